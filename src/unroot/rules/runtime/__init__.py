"""Run-time observations (UR6xx): what a traced or logged run was refused.

``unroot verify`` fills :class:`~unroot.rules.runtime._observed.Observed` from strace, the
container's logs and its filesystem (``unroot.runtime.discovery``) and runs these rules on it.
"""
