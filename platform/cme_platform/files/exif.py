"""Reading the time and place a photo was taken from its EXIF block (Pillow).

A missing or broken EXIF block never fails an upload: the fields simply stay empty.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image

from cme_platform.clock import CHINA

log = logging.getLogger("cme.files")
T = TypeVar("T")

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
"""EXIF times carry no zone unless OffsetTimeOriginal is set; photos here are taken in UTC+8."""


@dataclass(frozen=True)
class PhotoFacts:
    """When and where a photo was taken (each ``None`` when the photo does not say)."""

    taken_at: datetime | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None


def _taken_at(exif_ifd: Any) -> datetime | None:
    value = exif_ifd.get(DATETIME_ORIGINAL)
    if not isinstance(value, str):
        return None
    taken = datetime.strptime(value.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    offset = exif_ifd.get(OFFSET_TIME_ORIGINAL)
    zone = CHINA
    if isinstance(offset, str) and len(offset.strip()) == 6:
        sign = -1 if offset.startswith("-") else 1
        hours, minutes = offset.strip()[1:].split(":")
        zone = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    return taken.replace(tzinfo=zone)


def _degrees(value: Any, reference: Any, negative: str) -> float | None:
    if not value or len(value) != 3:
        return None
    degrees, minutes, seconds = (float(part) for part in value)
    result = degrees + minutes / 60 + seconds / 3600
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "replace")
    return -result if str(reference or "").strip("\x00 ").upper() == negative else result


def _gps(gps_ifd: Any) -> tuple[float | None, float | None]:
    lat = _degrees(gps_ifd.get(GPS_LAT), gps_ifd.get(GPS_LAT_REF), "S")
    lon = _degrees(gps_ifd.get(GPS_LON), gps_ifd.get(GPS_LON_REF), "W")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return round(lat, 7), round(lon, 7)


def _safely(reader: Callable[[Any], T], block: Any, default: T) -> T:
    try:
        return reader(block)
    except Exception:  # a broken EXIF block must not fail the upload
        log.info("unreadable EXIF block", exc_info=True)
        return default


def read_photo_facts(path: Path) -> PhotoFacts:
    """The EXIF capture time (DateTimeOriginal) and GPS position of the image at ``path``."""
    try:
        with Image.open(path) as image:
            exif = image.getexif()
            exif_ifd = exif.get_ifd(EXIF_IFD)
            gps_ifd = exif.get_ifd(GPS_IFD)
    except Exception:
        log.info("no readable EXIF in %s", path.name, exc_info=True)
        return PhotoFacts()
    taken_at = _safely(_taken_at, exif_ifd, None)
    no_position: tuple[float | None, float | None] = (None, None)
    lat, lon = _safely(_gps, gps_ifd, no_position)
    return PhotoFacts(taken_at=taken_at, gps_lat=lat, gps_lon=lon)
