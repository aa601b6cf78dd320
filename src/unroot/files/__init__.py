"""Opening and writing files that users name or that untrusted trees contain.

``read``: regular files only, opened non-blocking and checked with ``fstat`` before a byte is
read, under a size cap. ``jail``: paths of a build context (or a folder of manifests) that
must stay inside it. ``write``: report and rewrite outputs that never rename over a special
file, keep the mode, owner and links of what they replace, and notice concurrent edits.
"""
