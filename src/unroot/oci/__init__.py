"""OCI images: read them into the model (one streaming pass), and write layouts.

Public entry point: :func:`unroot.oci.load.open_image` (``oci:``, ``oci-archive:``,
``docker-archive:``, ``containers-storage:``, ``docker://``, bare names) returning
:class:`unroot.oci.model.Image`. Kept out of this module's namespace so importing the
model does not import the readers.

Modules, one job each: ``tarstream`` (tar headers, read as Go's ``archive/tar`` reads
them), ``decompress`` (gzip/zstd/none, digest, bomb guard, image decode budget), ``tree``
(the layer extraction the runtime does: whiteouts, parents, hardlinks, hostile entries,
capture), ``layers`` (one pass over all layers; big images two layers at a time in forked
workers), ``layout`` / ``archive`` / ``skopeo`` (finding manifest, config and blobs),
``blobs`` (directory or in-place tar, regular files only), ``limits`` (every reader limit;
``docs/limits.md``), ``cleanup`` (cleanup a signal cannot interrupt), ``config``,
``platform``, ``jsonio``, ``writer``.
"""
