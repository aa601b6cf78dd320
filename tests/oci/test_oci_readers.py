"""Layout, archive and transport resolution: tags, platforms, nested indexes, formats agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unroot.errors import InputError, UsageError
from unroot.oci.load import open_image, parse_ref, split_path_suffix
from unroot.oci.model import Image, LayerInfo
from unroot.oci.platform import host_platform
from unroot.oci.writer import (
    REF_NAME,
    Entry,
    default_config,
    layout_writer,
    tar_directory,
    write_docker_archive,
    write_image,
)

LAYERS = [
    [
        Entry("etc", "dir"),
        Entry("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\napp:x:1001:0::/app:/bin/sh\n"),
        Entry("usr/bin/su", data=b"su", mode=0o4755),
        Entry(
            "usr/bin/ping",
            data=b"p",
            xattrs={"security.capability": b"\x01\x00\x00\x02" + bytes(16)},
        ),
        Entry("app", "dir", mode=0o775, uid=1001),
        Entry("app/old", data=b"o"),
    ],
    [Entry("app/old", "whiteout"), Entry("app/run.sh", data=b"#!/bin/sh\nexec app\n", mode=0o755)],
]
CONFIG = default_config(
    User="1001:0",
    ExposedPorts={"80/tcp": {}, "53/udp": {}},
    Env=["PATH=/usr/bin", "HOME=/app"],
    Entrypoint=["/app/run.sh"],
    Cmd=["--serve"],
    WorkingDir="/app",
    Volumes={"/data": {}},
    Labels={"a": "b"},
    StopSignal="SIGQUIT",
)


def tree_view(image: Image) -> list[tuple[object, ...]]:
    return sorted(
        (e.path, e.type, e.mode, e.uid, e.gid, e.size, e.linkname, e.xattrs, e.layer_index)
        for e in image.tree
    )


def test_config_fields(tmp_path: Path) -> None:
    write_image(str(tmp_path / "img"), LAYERS, CONFIG)
    image = open_image(f"oci:{tmp_path / 'img'}")
    c = image.config
    assert c.user == "1001:0"
    assert sorted(c.exposed_ports) == ["53/udp", "80/tcp"]
    assert c.env_map() == {"PATH": "/usr/bin", "HOME": "/app"}
    assert (c.entrypoint, c.cmd, c.working_dir) == (["/app/run.sh"], ["--serve"], "/app")
    assert (c.volumes, c.labels, c.stop_signal) == (["/data"], {"a": "b"}, "SIGQUIT")
    assert (c.os, c.architecture) == ("linux", "amd64")
    assert c.raw["config"]["User"] == "1001:0"
    assert image.platform == "linux/amd64"
    assert image.manifest_digest.startswith("sha256:") and image.config_digest.startswith("sha256:")
    assert [layer.diff_id.startswith("sha256:") for layer in image.layers] == [True, True]
    assert image.tree.read_text("app/run.sh") == "#!/bin/sh\nexec app\n"


def test_progress_called_before_each_layer(tmp_path: Path) -> None:
    write_image(str(tmp_path / "img"), LAYERS, CONFIG)
    calls: list[tuple[int, int, str]] = []

    def progress(i: int, n: int, layer: LayerInfo) -> None:
        calls.append((i, n, layer.digest))

    image = open_image(f"oci:{tmp_path / 'img'}", progress=progress)
    assert calls == [(i, 2, layer.digest) for i, layer in enumerate(image.layers)]


def test_tags_select_the_image(tmp_path: Path) -> None:
    dest = tmp_path / "multi"
    with layout_writer(str(dest)) as w:
        descs = []
        for tag, user in (("one", "1"), ("two", "2")):
            blob = w.add_layer([Entry(f"{tag}.txt", data=tag.encode())])
            manifest = w.add_image(default_config(User=user), [blob])
            descs.append(manifest.descriptor(annotations={REF_NAME: tag}))
        w.commit(descs)
    assert open_image(f"oci:{dest}:two").config.user == "2"
    assert {e.path for e in open_image(f"oci:{dest}:one").tree} == {"", "one.txt"}
    with pytest.raises(InputError, match="name one as oci:DIR:TAG"):
        open_image(f"oci:{dest}")
    with pytest.raises(InputError, match=r"no image tagged 'three'.*one, two"):
        open_image(f"oci:{dest}:three")


def _multi_arch(dest: Path, nested: bool) -> None:
    arches = [("amd64", ""), ("arm64", "v8"), ("arm", "v7"), ("s390x", "")]
    with layout_writer(str(dest)) as w:
        manifests = []
        for arch, variant in arches:
            blob = w.add_layer([Entry("arch", data=f"{arch}{variant}".encode())])
            config = default_config(arch=arch, variant=variant)
            platform = {"os": "linux", "architecture": arch}
            if variant:
                platform["variant"] = variant
            manifests.append((w.add_image(config, [blob]), platform))
        if nested:
            index = w.add_index(manifests)
            w.commit([index.descriptor(annotations={REF_NAME: "latest"})])
        else:
            w.commit([m.descriptor(platform=p) for m, p in manifests])


@pytest.mark.parametrize("nested", [True, False])
def test_multi_arch_platform_selection(tmp_path: Path, nested: bool) -> None:
    dest = tmp_path / "ma"
    _multi_arch(dest, nested)
    ref = f"oci:{dest}"
    for platform, expected in [
        ("linux/arm64", b"arm64v8"),
        ("linux/arm64/v8", b"arm64v8"),
        ("linux/arm/v7", b"armv7"),
        ("linux/s390x", b"s390x"),
    ]:
        image = open_image(ref, platform=platform, capture=lambda p, s: True)
        assert image.tree.read("arch") == expected
        assert image.platform.startswith(
            platform.rsplit("/", 1)[0] if platform.count("/") == 2 else platform
        )
    host = host_platform()
    if host.arch in ("amd64", "arm64", "s390x"):
        image = open_image(ref, capture=lambda p, s: True)
        assert image.config.architecture == host.arch
    with pytest.raises(InputError, match="no image for platform linux/riscv64"):
        open_image(ref, platform="linux/riscv64")
    with pytest.raises(UsageError):
        open_image(ref, platform="arm64")


def test_docker_archive_and_oci_archive_agree(tmp_path: Path) -> None:
    write_image(str(tmp_path / "layout"), LAYERS, CONFIG, compression=["gzip", "zstd"])
    tar_directory(str(tmp_path / "layout"), str(tmp_path / "oci.tar"))
    write_docker_archive(str(tmp_path / "docker.tar"), LAYERS, CONFIG, repo_tag="localhost/x:1")
    write_docker_archive(str(tmp_path / "legacy.tar"), LAYERS, CONFIG, legacy=True)
    from_layout = open_image(f"oci:{tmp_path / 'layout'}")
    from_oci = open_image(f"oci-archive:{tmp_path / 'oci.tar'}")
    from_docker = open_image(f"docker-archive:{tmp_path / 'docker.tar'}")
    named = open_image(f"docker-archive:{tmp_path / 'docker.tar'}:localhost/x:1")
    legacy = open_image(f"docker-archive:{tmp_path / 'legacy.tar'}")
    expected = tree_view(from_layout)
    assert len(expected) == 9  # six entries, two parents the extractor creates, the root
    for image in (from_oci, from_docker, named, legacy):
        assert tree_view(image) == expected
        assert image.config.user == "1001:0"
        assert image.tree.read("etc/passwd") == from_layout.tree.read("etc/passwd")
    assert [layer.diff_id for layer in from_docker.layers] == [
        layer.diff_id for layer in from_layout.layers
    ]


def test_docker_archive_layer_must_match_diff_id(tmp_path: Path) -> None:
    dest = tmp_path / "docker.tar"
    config = dict(CONFIG)
    write_docker_archive(str(dest), LAYERS, config)
    import tarfile

    # Re-pack with the second layer's content swapped for the first one's.
    with tarfile.open(dest) as tf:
        members = [(m, tf.extractfile(m).read()) for m in tf.getmembers()]  # type: ignore[union-attr]
    manifest = json.loads(next(d for m, d in members if m.name == "manifest.json"))
    first, second = manifest[0]["Layers"]
    data = {m.name: d for m, d in members}
    data[second] = data[first]
    bad = tmp_path / "bad.tar"
    with tarfile.open(bad, "w") as tf:
        import io

        for m, _ in members:
            m.size = len(data[m.name])
            tf.addfile(m, io.BytesIO(data[m.name]))
    with pytest.raises(InputError, match=r"layer 2 .*digest mismatch"):
        open_image(f"docker-archive:{bad}")


def test_missing_things_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        open_image(f"oci:{tmp_path / 'nope'}")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no oci-layout"):
        open_image(f"oci:{tmp_path / 'empty'}")
    (tmp_path / "junk.tar").write_bytes(b"junk" * 300)
    with pytest.raises(InputError, match="not a readable tar"):
        open_image(f"oci-archive:{tmp_path / 'junk.tar'}")
    with pytest.raises(InputError, match=r"cannot read .*missing\.tar: No such file"):
        open_image(f"docker-archive:{tmp_path / 'missing.tar'}")


def test_ref_parsing(tmp_path: Path) -> None:
    assert parse_ref("docker://quay.io/a/b:1") == ("docker", "quay.io/a/b:1")
    assert parse_ref("oci:/x/y:tag") == ("oci", "/x/y:tag")
    assert parse_ref("nginx:latest") == ("containers-storage", "nginx:latest")
    assert parse_ref("containers-storage:localhost/a") == ("containers-storage", "localhost/a")
    assert split_path_suffix("/does/not/exist:tag") == ("/does/not/exist", "tag")
    odd = tmp_path / "with:colon"
    odd.mkdir()
    assert split_path_suffix(str(odd)) == (str(odd), "")
    with pytest.raises(UsageError):
        parse_ref("oci:")
