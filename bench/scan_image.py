"""Benchmark: layer scan time and peak memory against plain decompression of the same layers.

Usage::

    .venv/bin/python bench/scan_image.py                 # build (once) and measure gzip + zstd
    .venv/bin/python bench/scan_image.py --image oci:DIR # measure an existing image
    .venv/bin/python bench/scan_image.py --min-bytes 20000000 --min-files 2000   # tiny smoke run

Without ``--image`` it packs files from this machine's /usr (at least ``--min-bytes``
uncompressed and ``--min-files`` entries) into ``--layers`` layers, writes one OCI layout per
compression with unroot's own writer under ``.cache/bench/``, and reuses them on later runs.

Each measurement runs in a fresh child process (so ``ru_maxrss`` is that run's peak), after a
warm-up read that puts the blobs in the page cache; medians of ``--repeat`` runs count.
The limit is the fastest plain decoder available from Python: python-isal for gzip,
zstandard for zstd, fed 256 KiB chunks, doing nothing with the output.
Targets: scan <= 1.25x decompression, peak memory < 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RATIO_LIMIT = 1.25
MEMORY_LIMIT_MB = 200
CHUNK = 256 * 1024


# -- building the image ---------------------------------------------------------------------
def pick_files(min_bytes: int, min_files: int) -> list[str]:
    """Paths under /usr (relative to /), walked in a stable order until both minimums hold."""
    chosen: list[str] = []
    total = 0
    roots = ["usr/share", "usr/include", "usr/bin", "usr/sbin", "usr/libexec", "usr/lib"]
    for root in roots:
        for dirpath, dirnames, filenames in os.walk("/" + root):
            dirnames.sort()
            chosen.append(os.path.relpath(dirpath, "/"))
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                try:
                    st = os.lstat(full)
                except OSError:
                    continue
                chosen.append(os.path.relpath(full, "/"))
                total += st.st_size if not os.path.islink(full) else 0
            if total >= min_bytes and len(chosen) >= min_files:
                return chosen
    return chosen


def _whole_seconds(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Image builders (moby, buildah) truncate mtimes to seconds, so most entries need no
    PAX header; Python's tarfile would write one per entry for a fractional mtime."""
    info.mtime = int(info.mtime)
    return info


def build_images(cache: Path, min_bytes: int, min_files: int, layers: int) -> dict[str, str]:
    """Write (or reuse) one OCI layout per compression; returns compression -> ref."""
    sys.path.insert(0, str(REPO / "src"))
    from unroot.oci.writer import REF_NAME, default_config, layout_writer

    key = f"usr2-{min_bytes}-{min_files}-{layers}"
    refs = {kind: cache / f"{key}-{kind}" for kind in ("gzip", "zstd")}
    if all((p / "index.json").exists() for p in refs.values()):
        return {k: f"oci:{p}" for k, p in refs.items()}
    cache.mkdir(parents=True, exist_ok=True)
    files = pick_files(min_bytes, min_files)
    per = -(-len(files) // layers)
    groups = [files[i : i + per] for i in range(0, len(files), per)]
    tars: list[Path] = []
    for i, group in enumerate(groups):
        tar_path = cache / f"{key}-layer{i}.tar"
        if not tar_path.exists():
            tmp = tar_path.with_suffix(".tmp")
            with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tf:
                for rel in group:
                    try:
                        tf.add("/" + rel, arcname=rel, recursive=False, filter=_whole_seconds)
                    except OSError:
                        continue
            tmp.rename(tar_path)
        tars.append(tar_path)
    for kind, dest in refs.items():
        if (dest / "index.json").exists():
            continue
        print(f"writing {kind} image to {dest} ...", file=sys.stderr)
        with layout_writer(str(dest)) as w:
            blobs = []
            for tar_path in tars:
                with tar_path.open("rb") as fh:
                    blobs.append(w.add_layer_stream(fh, kind, 6 if kind == "gzip" else 3))
            manifest = w.add_image(default_config(Cmd=["/bin/sh"]), blobs)
            w.commit([manifest.descriptor(annotations={REF_NAME: "latest"})])
    for tar_path in tars:
        tar_path.unlink()
    return {k: f"oci:{p}" for k, p in refs.items()}


# -- child measurements -----------------------------------------------------------------------
def _layer_blobs(ref: str) -> list[tuple[Any, str, int]]:
    from unroot.oci.archive import resolve_docker
    from unroot.oci.blobs import DirSource, TarSource
    from unroot.oci.layout import resolve
    from unroot.oci.load import parse_ref, split_path_suffix

    transport, rest = parse_ref(ref)
    path, suffix = split_path_suffix(rest)
    if transport == "oci":
        resolved = resolve(DirSource(path), ref, suffix)
    elif transport == "oci-archive":
        resolved = resolve(TarSource(path), ref, suffix)
    elif transport == "docker-archive":
        resolved = resolve_docker(TarSource(path), ref, suffix)
    else:
        raise SystemExit("--image must be oci:, oci-archive: or docker-archive:")
    return [(spec.source, spec.name, spec.info.size) for spec in resolved.layers]


class _Prefixed:
    def __init__(self, head: bytes, raw: Any) -> None:
        self.head = head
        self.raw = raw

    def read(self, n: int) -> bytes:
        if self.head:
            out, self.head = self.head, b""
            return out
        data: bytes = self.raw.read(n)
        return data


def child_decompress(ref: str, method: str) -> dict[str, Any]:
    """Plain decoding of every layer blob with the fastest decoder, output discarded."""
    import isal.isal_zlib as isal_zlib
    import zstandard

    blobs = _layer_blobs(ref)
    total = 0
    cpu = time.process_time()
    start = time.perf_counter()
    for source, name, _size in blobs:
        raw, _length = source.open(name)
        head = raw.read(4)
        if head.startswith(b"\x1f\x8b"):
            d = isal_zlib.decompressobj(wbits=31)
            data = head + raw.read(CHUNK)
            while data:
                total += len(d.decompress(data))
                while d.eof and d.unused_data:
                    extra = d.unused_data
                    d = isal_zlib.decompressobj(wbits=31)
                    total += len(d.decompress(extra))
                data = raw.read(CHUNK)
        elif head.startswith(b"\x28\xb5\x2f\xfd"):
            dctx = zstandard.ZstdDecompressor()
            if method == "reader":
                src: Any = _Prefixed(head, raw)
                reader = dctx.stream_reader(src, read_size=CHUNK, read_across_frames=True)
                while out := reader.read(1 << 20):
                    total += len(out)
            else:
                dobj = dctx.decompressobj()
                data = head + raw.read(CHUNK)
                while data:
                    total += len(dobj.decompress(data))
                    data = raw.read(CHUNK)
        else:
            data = head
            while data:
                total += len(data)
                data = raw.read(CHUNK)
        raw.close()
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "cpu": time.process_time() - cpu, "bytes": total}


def child_scan(ref: str) -> dict[str, Any]:
    from unroot.oci.load import open_image

    before = os.times()
    start = time.perf_counter()
    image = open_image(ref)
    elapsed = time.perf_counter() - start
    after = os.times()
    own = (after.user + after.system) - (before.user + before.system)
    workers = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    return {
        "seconds": elapsed,
        "cpu": own + workers,  # this process (and its hashing thread) plus layer workers
        "worker_cpu": workers,
        "entries": len(image.tree),
        "layers": len(image.layers),
    }


RT_PREFIX: list[str] = []


def run_child(mode: str, ref: str, method: str = "", src: Path | None = None) -> dict[str, Any]:
    """One measurement in a fresh process; ``src`` runs the scan from another checkout's
    ``src`` (``--baseline-src``), everything else from this one."""
    proc = subprocess.run(
        [*RT_PREFIX, sys.executable, __file__, "--child", mode, "--image", ref, "--method", method],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(src or REPO / "src")},
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def warm(ref: str) -> None:
    for source, name, _size in _layer_blobs(ref):
        raw, _ = source.open(name)
        while raw.read(1 << 20):
            pass
        raw.close()


def measure(ref: str, repeat: int, baseline_src: Path | None = None) -> dict[str, Any]:
    """Interleave decompression and scan runs (the machine is shared); report medians.

    The limit per run is the faster of the two zstd decoding styles (for gzip both runs use
    the same decoder), so the median limit is the median of those per-round minimums. With
    ``baseline_src`` each round also scans with that checkout's code, in the same rounds.
    """
    warm(ref)
    decompress: list[dict[str, Any]] = []
    scans: list[dict[str, Any]] = []
    baseline: list[dict[str, Any]] = []
    for _ in range(repeat):
        pair = [run_child("decompress", ref, method) for method in ("obj", "reader")]
        decompress.append(min(pair, key=lambda r: r["seconds"]))
        if baseline_src is not None:
            baseline.append(run_child("scan", ref, src=baseline_src))
        scans.append(run_child("scan", ref))
    med_d = statistics.median(r["seconds"] for r in decompress)
    med_s = statistics.median(r["seconds"] for r in scans)
    med_d_cpu = statistics.median(r["cpu"] for r in decompress)
    return {
        "ref": ref,
        "decompress_s": med_d,
        "decompress_best": min(r["seconds"] for r in decompress),
        "decompress_cpu": med_d_cpu,
        "scan_s": med_s,
        "scan_best": min(r["seconds"] for r in scans),
        "scan_cpu": statistics.median(r["cpu"] for r in scans),
        "ratio": med_s / med_d,
        "ratio_best": min(r["seconds"] for r in scans) / min(r["seconds"] for r in decompress),
        "ratio_cpu": statistics.median(r["cpu"] for r in scans) / med_d_cpu,
        "peak_mb": max(r["maxrss_mb"] for r in scans),
        "entries": scans[0]["entries"],
        "layers": scans[0]["layers"],
        "uncompressed_bytes": decompress[0]["bytes"],
        "baseline_s": statistics.median(r["seconds"] for r in baseline) if baseline else None,
        "baseline_best": min(r["seconds"] for r in baseline) if baseline else None,
        "baseline_peak_mb": max(r["maxrss_mb"] for r in baseline) if baseline else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", help="measure this image instead of building one")
    parser.add_argument("--min-bytes", type=int, default=1_100_000_000)
    parser.add_argument("--min-files", type=int, default=60_000)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", default=str(REPO / ".cache" / "bench"))
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="run the measured children under SCHED_FIFO (chrt -f 10; needs root): on a shared "
        "machine this gives them the cores, for both the limit and the scan alike",
    )
    parser.add_argument(
        "--baseline-src",
        help="also scan with the code in this directory (another checkout's src/), in the "
        "same rounds: paired before/after figures",
    )
    parser.add_argument("--child", choices=["scan", "decompress"], help=argparse.SUPPRESS)
    parser.add_argument("--method", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        result = (
            child_scan(args.image)
            if args.child == "scan"
            else child_decompress(args.image, args.method)
        )
        # Layer workers are child processes: count the parent's peak plus, for each of the
        # (at most two) workers running at once, the largest worker's peak: an upper bound,
        # as forked workers share the parent's pages.
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        result["maxrss_mb"] = own + 2 * workers
        result["own_mb"] = own
        result["worker_mb"] = workers
        print(json.dumps(result))
        return 0

    sys.path.insert(0, str(REPO / "src"))
    if args.realtime:
        RT_PREFIX[:] = ["chrt", "-f", "10"]
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(
            f"note: load average {load:.1f} on {os.cpu_count()} cores: wall times are inflated "
            "(--realtime helps)",
            file=sys.stderr,
        )
    if args.image:
        refs = {"image": args.image}
    else:
        refs = build_images(Path(args.cache), args.min_bytes, args.min_files, args.layers)
    ok = True
    for kind, ref in refs.items():
        baseline_src = Path(args.baseline_src).resolve() if args.baseline_src else None
        r = measure(ref, args.repeat, baseline_src)
        ratio_ok = r["ratio"] <= RATIO_LIMIT
        mem_ok = r["peak_mb"] < MEMORY_LIMIT_MB
        ok = ok and ratio_ok and mem_ok
        print(
            f"{kind}: {r['layers']} layers, {r['entries']} entries, "
            f"{r['uncompressed_bytes'] / 1e9:.2f} GB uncompressed "
            f"(medians of {args.repeat} runs; best in brackets)\n"
            f"  decompress only: {r['decompress_s']:.3f} s [{r['decompress_best']:.3f} s]\n"
            f"  scan (open_image): {r['scan_s']:.3f} s [{r['scan_best']:.3f} s]\n"
            f"  ratio = scan/decompress = {r['ratio']:.2f}x [{r['ratio_best']:.2f}x] "
            f"(limit {RATIO_LIMIT}x: {'ok' if ratio_ok else 'OVER'})\n"
            f"  peak memory = {r['peak_mb']:.0f} MB "
            f"(limit {MEMORY_LIMIT_MB} MB: {'ok' if mem_ok else 'OVER'})\n"
            f"  cpu: decompress {r['decompress_cpu']:.3f} s, scan {r['scan_cpu']:.3f} s "
            f"({r['ratio_cpu']:.2f}x; all threads and layer worker processes)"
        )
        if r["baseline_s"] is not None:
            print(
                f"  baseline ({args.baseline_src}): scan {r['baseline_s']:.3f} s "
                f"[{r['baseline_best']:.3f} s], ratio "
                f"{r['baseline_s'] / r['decompress_s']:.2f}x "
                f"[{r['baseline_best'] / r['decompress_best']:.2f}x], peak "
                f"{r['baseline_peak_mb']:.0f} MB; this scan / baseline = "
                f"{r['scan_s'] / r['baseline_s']:.3f} (medians)"
            )
    print(f"load average after the runs: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
