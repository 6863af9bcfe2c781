"""Reading pictures back for assertions: pixels with Pillow, band colours against the catalogue."""

from __future__ import annotations

import io

from PIL import Image

from bot.catalogue import Catalogue
from bot.diagram import OWNER_COLOURS, Picture

WHITE = (255, 255, 255)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def runs_down(image: Image.Image, x: int, top: int, bottom: int) -> list[tuple[int, int, int]]:
    """The colours of the non-white runs down the column `x` from `top` to `bottom`, in order."""
    runs: list[tuple[int, int, int]] = []
    previous: tuple[int, int, int] | None = None
    for y in range(top, bottom):
        pixel = image.getpixel((x, y))
        assert isinstance(pixel, tuple)
        colour = (int(pixel[0]), int(pixel[1]), int(pixel[2]))
        if close(colour, WHITE):
            previous = None
            continue
        if previous is None or not close(colour, previous, 30):
            runs.append(colour)
        previous = colour
    return runs


def assert_stacks_match_catalogue(image: Image.Image, picture: Picture, catalogue: Catalogue) -> None:
    """Each service a column left to right, one band per layer bottom up, coloured by the catalogue."""
    assert image.size == (picture.width, picture.height)
    topics = catalogue.topic_order
    assert list(picture.topics) == topics
    assert len(picture.bands) == len(picture.services) * len(topics)
    lefts = []
    for service in picture.services:
        bands = [b for b in picture.bands if b.service == service]
        assert [b.topic for b in bands] == topics  # one band per layer
        tops = [b.box[1] for b in bands]
        assert tops == sorted(tops, reverse=True)  # facilities at the bottom, the top layer at the top
        lefts.append(bands[0].box[0])
        for band in bands:
            expected = rgb(OWNER_COLOURS[catalogue.cell(service, band.topic).owner])
            left, top, right, bottom = band.box
            assert right - left > 50 and bottom - top > 15
            for x, y in ((left + 4, top + 4), (right - 5, bottom - 5), (left + 4, bottom - 5), (right - 5, top + 4)):
                assert close(image.getpixel((x, y)), expected), (service, band.topic, (x, y))  # type: ignore[arg-type]
        # Independently of the boxes' colours: scanning down the column's left edge meets exactly one
        # run of colour per layer, top layer first, each the owner's colour.
        x = bands[0].box[0] + 3
        runs = runs_down(image, x, bands[-1].box[1] - 2, bands[0].box[3] + 2)
        owners = [rgb(OWNER_COLOURS[catalogue.cell(service, t).owner]) for t in reversed(topics)]
        assert len(runs) == len(topics), (service, len(runs))
        assert all(close(run, owner) for run, owner in zip(runs, owners, strict=True)), service
    assert lefts == sorted(lefts) and len(set(lefts)) == len(lefts)  # side by side, in the order asked
