"""Photos: only real JPEG, PNG and WebP get in, and they come out clean and upright."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image, ImageFile

from core.images import ImageRejected, avatar_jpeg
from models import Testimonial
from tests.conftest import ORIGIN


def jpeg_bytes(size=(300, 200), color=(200, 30, 30), exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", exif=exif or Image.Exif())
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png() -> bytes:
    """A valid PNG header claiming 50000 × 50000 pixels, with almost no data behind it."""
    header = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    exif[0x8825] = gps  # GPSInfo
    return exif


@pytest.fixture
def consented(client, site):
    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 10}, headers={"Origin": ORIGIN})
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"}
    client.patch(f"/api/v1/responses/{created.json['id']}", json={"why": "Nice", "consent": True}, headers=headers)
    return created.json["id"], headers


def upload(client, consented, data: bytes, name="photo.jpg"):
    response_id, headers = consented
    return client.post(
        f"/api/v1/responses/{response_id}/photo",
        data={"photo": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def stored_image(app, db) -> Image.Image:
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    db.session.refresh(testimonial)
    return Image.open(f"{app.config['PLAUDIT_MEDIA_DIR']}/{testimonial.photo}")


def test_a_jpeg_with_gps_is_stored_without_any_exif(client, app, db, consented):
    original = jpeg_bytes(exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the fixture really has GPS
    response = upload(client, consented, original + b"<?php appended ?>")
    assert response.status_code == 200, response.json
    image = stored_image(app, db)
    assert image.format == "JPEG" and image.size == (256, 256)
    assert len(image.getexif()) == 0 and "exif" not in image.info
    raw = open(image.filename, "rb").read()
    assert b"PhoneMaker" not in raw and b"php" not in raw


def test_orientation_6_comes_out_upright():
    # Stored sideways: left half red, right half blue. Orientation 6 means "rotate 90° clockwise
    # to view", so upright the red half is on top.
    sideways = Image.new("RGB", (400, 200), (0, 0, 255))
    sideways.paste((255, 0, 0), (0, 0, 200, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    sideways.save(out, "JPEG", exif=exif)
    upright = Image.open(io.BytesIO(avatar_jpeg(out.getvalue())))
    top, bottom = upright.getpixel((128, 10)), upright.getpixel((128, 245))
    assert top[0] > 200 and top[2] < 60, top  # red above
    assert bottom[2] > 200 and bottom[0] < 60, bottom  # blue below


def test_a_decompression_bomb_is_refused_with_a_4xx(client, db, consented):
    response = upload(client, consented, bomb_png(), "bomb.png")
    assert response.status_code == 422 and "too large" in response.json["message"]
    assert db.session.execute(db.select(Testimonial.photo)).scalar() is None


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF",
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>',
        b"\xff\xd8\xff\xe0 truncated jpeg",
        b"",
    ],
    ids=["pdf", "gif", "svg", "truncated", "empty"],
)
def test_anything_but_jpeg_png_webp_is_refused(client, db, consented, data):
    response = upload(client, consented, data, "innocent.jpg")
    assert 400 <= response.status_code < 500 and response.json["code"] == response.status_code
    assert db.session.execute(db.select(Testimonial.photo)).scalar() is None


def test_png_and_webp_with_transparency_are_accepted():
    for fmt in ("PNG", "WEBP"):
        out = io.BytesIO()
        Image.new("RGBA", (50, 80), (0, 128, 0, 0)).save(out, fmt)
        assert Image.open(io.BytesIO(avatar_jpeg(out.getvalue()))).size == (256, 256)


def test_the_core_refuses_directly():
    with pytest.raises(ImageRejected):
        avatar_jpeg(bomb_png())


def phone_photo(orientation: int | None = None) -> bytes:
    """A 12-megapixel JPEG (4032 × 3024) of about 3.4 MB, like a phone's: noise that JPEG cannot
    squeeze, in four by four tiles so it is quick to make."""
    tile = Image.frombytes("RGB", (168, 126), random.randbytes(168 * 126 * 3)).resize((1008, 756))
    photo = Image.new("RGB", (4032, 3024))
    for x in range(0, 4032, 1008):
        for y in range(0, 3024, 756):
            photo.paste(tile, (x, y))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=85, exif=exif)
    assert out.tell() > 3_000_000
    return out.getvalue()


@pytest.fixture(scope="module")
def phone_jpeg() -> bytes:
    return phone_photo()


def test_a_phone_photo_is_accepted_from_the_widget(client, app, db, consented, phone_jpeg):
    response = upload(client, consented, phone_jpeg)
    assert response.status_code == 200, response.json
    assert stored_image(app, db).size == (256, 256)


def test_a_phone_photo_is_accepted_on_the_private_page(client, db, site, phone_jpeg):
    from tests.conftest import csrf_from

    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 10}, headers={"Origin": ORIGIN})
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"}
    done = client.patch(
        f"/api/v1/responses/{created.json['id']}", json={"why": "Nice", "consent": True}, headers=headers
    )
    path = done.json["withdraw_url"].removeprefix("http://plaudit.test")
    saved = client.post(
        path + "/photo",
        data={
            "csrf_token": csrf_from(client.get(path).get_data(as_text=True)),
            "photo": (io.BytesIO(phone_jpeg), "a.jpg"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "Your photo is saved" in saved.get_data(as_text=True)
    assert db.session.execute(db.select(Testimonial.photo)).scalar() is not None


def test_a_phone_photo_is_accepted_in_the_back_office(client, db, site, make_user, make_testimonial, phone_jpeg):
    from tests.conftest import csrf_from, login

    testimonial = make_testimonial(site)
    login(client, make_user("mod@example.org", "moderator", sites=[site]).email)
    saved = client.post(
        f"/admin/testimonials/{testimonial.id}/photo",
        data={
            "csrf_token": csrf_from(client.get("/admin/").get_data(as_text=True)),
            "photo": (io.BytesIO(phone_jpeg), "me.jpg"),
            "next": "/admin/",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Photo saved." in saved.get_data(as_text=True)
    assert db.session.execute(db.select(Testimonial.photo)).scalar() is not None


def respondent_of(client, key: str) -> tuple[int, dict, str]:
    """A consented answer on site `key`: its id, its API headers, its private page's path."""
    created = client.post(f"/api/v1/sites/{key}/responses", json={"score": 10}, headers={"Origin": ORIGIN})
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"}
    done = client.patch(
        f"/api/v1/responses/{created.json['id']}", json={"why": "Nice", "consent": True}, headers=headers
    )
    return created.json["id"], headers, done.json["withdraw_url"].removeprefix("http://plaudit.test")


def test_a_photo_over_its_own_cap_is_413_and_other_bodies_keep_theirs(make_app, phone_jpeg):
    from tests.conftest import app_with_site

    app, key = app_with_site(make_app, PLAUDIT_PHOTO_MAX_BYTES=3_000_000)
    client = app.test_client()
    response_id, headers, _ = respondent_of(client, key)
    response = upload(client, (response_id, headers), phone_jpeg)
    assert response.status_code == 413 and response.json["code"] == 413
    # The JSON API keeps MAX_CONTENT_LENGTH (64 KiB).
    patch = client.patch(f"/api/v1/responses/{response_id}", json={"why": "x" * 70_000}, headers=headers)
    assert patch.status_code == 413


def test_the_private_photo_route_is_rate_limited(make_app):
    from tests.conftest import app_with_site, csrf_from

    app, key = app_with_site(make_app, PLAUDIT_PHOTO_LIMIT="2/minute")
    client = app.test_client()
    _, _, path = respondent_of(client, key)
    token = csrf_from(client.get(path).get_data(as_text=True))
    codes = [
        client.post(
            path + "/photo",
            data={"csrf_token": token, "photo": (io.BytesIO(jpeg_bytes()), "a.jpg")},
            content_type="multipart/form-data",
        ).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]


def test_the_api_photo_route_has_the_photo_limit(make_app):
    from tests.conftest import app_with_site

    app, key = app_with_site(make_app, PLAUDIT_PHOTO_LIMIT="1/minute")
    client = app.test_client()
    response_id, headers, _ = respondent_of(client, key)
    codes = [upload(client, (response_id, headers), jpeg_bytes()).status_code for _ in range(2)]
    assert codes == [200, 429]


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[str, tuple[int, int]]]:
    """Every image Pillow decodes, by format and the size it is decoded at."""
    seen = []
    load = ImageFile.ImageFile.load

    def spy(image):
        seen.append((image.format, image.size))
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return seen


def test_a_25_megapixel_png_is_refused_without_being_decoded(client, db, consented, decoded):
    out = io.BytesIO()
    Image.new("1", (4999, 4999)).save(out, "PNG")
    assert out.tell() < 4000  # 3 KB on the wire, 75 MB once decoded as RGB
    response = upload(client, consented, out.getvalue(), "big.png")
    assert response.status_code == 422 and "too large" in response.json["message"]
    assert decoded == []
    assert db.session.execute(db.select(Testimonial.photo)).scalar() is None


def test_a_jpeg_is_decoded_at_a_fraction_of_its_size_and_upright(decoded):
    avatar = Image.open(io.BytesIO(avatar_jpeg(phone_photo(orientation=6))))
    assert decoded[0] == ("JPEG", (1008, 756))  # a quarter of 4032 × 3024, by libjpeg itself
    assert avatar.size == (256, 256) and len(avatar.getexif()) == 0


def test_a_jpeg_too_narrow_to_be_reduced_is_refused_unread(decoded):
    out = io.BytesIO()
    Image.new("L", (20000, 700)).save(out, "JPEG")  # 14 megapixels, and 700 px cannot be halved
    with pytest.raises(ImageRejected, match="too large"):
        avatar_jpeg(out.getvalue())
    assert decoded == []


def test_a_phone_photo_with_a_second_picture_is_a_jpeg_too(decoded):
    """Phones that keep a depth map or a second view write MPO: JPEG pictures, one after the other."""
    photo = Image.open(io.BytesIO(phone_photo()))
    out = io.BytesIO()
    photo.save(out, "MPO", save_all=True, append_images=[photo.resize((1008, 756))], quality=85)
    decoded.clear()
    assert Image.open(io.BytesIO(avatar_jpeg(out.getvalue()))).size == (256, 256)
    assert decoded[0] == ("MPO", (1008, 756))


def test_only_a_consented_answer_takes_a_photo(client, site):
    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 10}, headers={"Origin": ORIGIN})
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"}
    response = client.post(
        f"/api/v1/responses/{created.json['id']}/photo",
        data={"photo": (io.BytesIO(jpeg_bytes()), "a.jpg")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 409


def test_photo_is_served_as_an_image_only_once_approved(client, app, db, consented, make_user, site):
    upload(client, consented, jpeg_bytes())
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    db.session.refresh(testimonial)
    assert client.get(f"/media/{testimonial.photo}").status_code == 404  # pending: not public
    testimonial.status = "approved"
    db.session.commit()
    served = client.get(f"/media/{testimonial.photo}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/media/../secret_key").status_code == 404


def test_the_respondent_adds_a_photo_from_their_private_page(client, db, site):
    from tests.conftest import csrf_from

    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 10}, headers={"Origin": ORIGIN})
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"}
    done = client.patch(
        f"/api/v1/responses/{created.json['id']}", json={"why": "Nice", "consent": True}, headers=headers
    )
    path = done.json["withdraw_url"].removeprefix("http://plaudit.test")
    page = client.get(path).get_data(as_text=True)
    assert "Add a photo (optional)" in page
    refused = client.post(
        path + "/photo",
        data={"csrf_token": csrf_from(page), "photo": (io.BytesIO(b"%PDF-1.4"), "a.jpg")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "could not be used" in refused.get_data(as_text=True)
    assert db.session.execute(db.select(Testimonial.photo)).scalar() is None
    saved = client.post(
        path + "/photo",
        data={"csrf_token": csrf_from(page), "photo": (io.BytesIO(jpeg_bytes(exif=gps_exif())), "me.jpg")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Your photo is saved" in saved.get_data(as_text=True)
    assert db.session.execute(db.select(Testimonial.photo)).scalar() is not None
    assert (
        client.post(
            path + "/photo", data={"photo": (io.BytesIO(jpeg_bytes()), "me.jpg")}, content_type="multipart/form-data"
        ).status_code
        == 400
    )  # no CSRF token
