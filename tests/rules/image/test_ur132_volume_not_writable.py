from imagekit import directory, make_image, run_rule


def test_catches_each_unwritable_volume() -> None:
    image = make_image(
        [directory("data", 0o755, 999, 999), directory("logs", 0o775, 0, 0)],
        volumes=["/data", "/logs", "/cache"],
    )
    found = {f.data["path"]: f for f in run_rule("UR132", image)}
    assert sorted(found) == ["/cache", "/data"]
    assert "group 999" in found["/data"].message
    assert "does not exist" in found["/cache"].message
    assert found["/data"].evidence[0].value == "/data"


def test_catches_not_writable_volumes() -> None:
    image = make_image([directory("data", 0o2770, 1001, 0)], volumes=["/data"])
    assert run_rule("UR132", image) == []
