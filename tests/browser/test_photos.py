"""A respondent adds the photo their phone took, from their private page, in Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from core.links import private_link_token
from extensions import db
from models import Testimonial
from tests.browser.conftest import seed_testimonial
from tests.test_images import phone_photo


def test_a_phone_photo_is_added_from_the_private_page(page, live_app, live_site):
    site = live_site(name="Photo blog")
    with live_app.app_context():
        seed_testimonial(site, "Lovely people")
        db.session.commit()
        testimonial = db.session.execute(db.select(Testimonial).filter_by(site_id=site.id)).scalar_one()
        testimonial_id, token = testimonial.id, private_link_token(live_app.config["SECRET_KEY"], testimonial)
    page.goto(live_app.config["LIVE_URL"] + f"/withdraw/{token}")
    photo = phone_photo(orientation=6)  # 4032 × 3024, over 3 MB, as a phone takes it
    page.get_by_label("JPEG, PNG or WebP.").set_input_files(
        files=[{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.get_by_role("button", name="Upload the photo").click()
    expect(page.get_by_text("Your photo is saved.")).to_be_visible()
    with live_app.app_context():
        assert db.session.get(Testimonial, testimonial_id).photo is not None
