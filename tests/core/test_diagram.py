"""The layer-stack picture: drawn from the catalogue, read back pixel by pixel."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.catalogue import Catalogue, catalogue_directories, default_catalogue, load_catalogue
from bot.diagram import OWNER_COLOURS, differing_topics, draw, format_for, shared_note
from bot.errors import UsageError
from tests.pictures import assert_stacks_match_catalogue, open_png

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return default_catalogue()


@pytest.mark.parametrize("services", [["ec2"], ["fargate", "lambda"], ["ec2", "ecs", "fargate", "lambda"]])
def test_png_has_one_band_per_layer_coloured_by_the_catalogue(catalogue: Catalogue, services: list[str]) -> None:
    picture = draw(catalogue, services)
    image = open_png(picture.data)
    assert 600 <= picture.width <= 1600 and 700 <= picture.height <= 1400
    assert picture.services == tuple(services)
    assert_stacks_match_catalogue(image, picture, catalogue)


def test_every_service_draws(catalogue: Catalogue) -> None:
    services = list(catalogue.services)
    for start in range(0, len(services), 4):
        group = services[start : start + 4]
        picture = draw(catalogue, group, format="svg")
        assert len(picture.bands) == len(group) * len(catalogue.topic_order)
        owners = [catalogue.cell(s, t).owner for s in group for t in catalogue.topic_order]
        assert [b.owner for b in picture.bands] == owners


def test_differing_layers_are_marked_and_shared_layers_footnoted(catalogue: Catalogue) -> None:
    services = ["ec2", "ecs", "fargate", "lambda"]
    picture = draw(catalogue, services)
    differing = differing_topics(catalogue, services)
    assert list(picture.differing) == differing
    assert {"os-patching", "container-runtime", "control-plane", "capacity"} <= set(differing)
    assert "facilities" not in differing and "data" not in differing
    shared = [(s, t) for t in catalogue.topic_order for s in services if catalogue.cell(s, t).owner == "shared"]
    assert len(picture.notes) == len(shared) > 0
    for number, (note, (service, topic)) in enumerate(zip(picture.notes, shared, strict=True), 1):
        assert note.startswith(f"[{number}] {catalogue.services[service].name} · {catalogue.topics[topic].title}: AWS")
    assert "line differs at" in picture.alt_text(catalogue)


def test_shared_note_says_which_half_is_whose(catalogue: Catalogue) -> None:
    note = shared_note(catalogue.cell("lambda", "platform"))
    assert note.startswith("AWS curates security patches")
    assert "; you move functions to new major runtimes" in note
    assert len(note) < 170


def test_svg_bands_carry_the_owner_colour(catalogue: Catalogue, tmp_path: Path) -> None:
    services = ["fargate", "lambda"]
    picture = draw(catalogue, services, format="svg")
    root = ET.fromstring(picture.data)
    assert root.tag == f"{SVG}svg"
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("band-")}
    assert len(groups) == len(services) * len(catalogue.topic_order)
    for service in services:
        for topic in catalogue.topic_order:
            path = groups[f"band-{service}-{topic}"].find(f"{SVG}path")
            assert path is not None
            fill = re.search(r"fill:\s*(#[0-9a-f]{6})", path.get("style") or "")
            assert fill and fill.group(1) == OWNER_COLOURS[catalogue.cell(service, topic).owner]
    assert b"<dc:date>" not in picture.data  # reproducible: no date stamp


def test_a_user_overlay_is_drawn_with_its_own_owners(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "ec2.yaml").write_text(
        "service: ec2\ncells:\n  os-patching:\n    owner: shared\n    summary: >-\n"
        "      AWS ships patched AMIs every week. You roll them out.\n"
        "    sources: [https://docs.aws.amazon.com/]\n",
        encoding="utf-8",
    )
    catalogue = load_catalogue(catalogue_directories([overlay]))
    picture = draw(catalogue, ["ec2"])
    assert catalogue.cell("ec2", "os-patching").owner == "shared"
    assert_stacks_match_catalogue(open_png(picture.data), picture, catalogue)
    assert picture.notes == ("[1] Operating system: AWS ships patched AMIs every week; you roll them out",)


def test_bad_requests_are_usage_errors(catalogue: Catalogue) -> None:
    with pytest.raises(UsageError):
        draw(catalogue, [])
    with pytest.raises(UsageError):
        draw(catalogue, ["ec2", "ecs", "fargate", "lambda", "s3"])
    with pytest.raises(UsageError):
        draw(catalogue, ["nope"])
    with pytest.raises(UsageError):
        format_for("srm.jpg")
    assert format_for("out/SRM.PNG") == "png" and format_for("a.svg") == "svg"


def demarc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.slow
def test_cli_draws_the_four_stacks_side_by_side(catalogue: Catalogue, tmp_path: Path) -> None:
    result = demarc("diagram", "ec2", "ecs", "fargate", "lambda", "-o", "srm.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    image = open_png((tmp_path / "srm.png").read_bytes())
    # The geometry of the same drawing in process; the colours are read from the CLI's file.
    picture = draw(catalogue, ["ec2", "ecs", "fargate", "lambda"])
    assert_stacks_match_catalogue(image, picture, catalogue)
    svg = demarc("diagram", "farget", "Lambda", "-o", "cmp.svg", cwd=tmp_path)  # names and typos resolve
    assert svg.returncode == 0, svg.stderr
    assert (tmp_path / "cmp.svg").read_bytes().lstrip().startswith(b"<?xml")


@pytest.mark.slow
def test_cli_refusals_are_one_line(tmp_path: Path) -> None:
    for args in (["ec2", "-o", "srm.jpg"], ["ec2", "ecs", "fargate", "lambda", "s3", "-o", "x.png"],
                 ["ec2", "-o", str(tmp_path / "missing" / "x.png")]):
        result = demarc("diagram", *args, cwd=tmp_path)
        assert result.returncode == 2, result
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("demarc: error:"), result.stderr


@pytest.mark.slow
def test_without_matplotlib_the_error_says_what_to_install(tmp_path: Path) -> None:
    probe = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'matplotlib': raise ImportError('No module named matplotlib')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from bot.cli import main\n"
        "raise SystemExit(main(['diagram', 'ec2', '-o', 'x.png']))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "pip install 'demarc-bot[pictures]'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()
