"""Editing the public site's pages: who may (network administrators of the page's network, nobody else), the
preview of both languages before saving, publishing and taking off, the rules a page must meet, concurrent edits
and double submits, and the audit trail."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import make_person
from abrazo.audit.models import AccessEvent, Action
from abrazo.library import site_services
from abrazo.library.models import Page, PageStatus
from abrazo.library.site_services import PageData
from abrazo.library.tests.factories_site import PageFactory

pytestmark = pytest.mark.django_db

NEW = reverse("site:page-new")
LIST = reverse("site:page-list")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_form(**overrides: str) -> dict[str, str]:
    data = {
        "slug": "family-evenings", "position": "70", "in_menu": "on",
        "title_en": "Family evenings", "description_en": "Evenings for families.",
        "body_en": "Come and **meet** our consultants.",
        "title_es": "Noches para familias", "description_es": "Noches para las familias.",
        "body_es": "Venga a **conocer** a nuestras consultoras.",
    }
    data.update(overrides)
    return data


def edit_form(page: Page, **overrides: str) -> dict[str, str]:
    data = page_form(slug=page.slug, title_en=page.title_en, title_es=page.title_es, body_en=page.body_en,
                     body_es=page.body_es, description_en=page.description_en, description_es=page.description_es,
                     position=str(page.position), version=str(page.version))
    data.update(overrides)
    return data


# --- who may edit ----------------------------------------------------------------------------------------------


def test_an_administrator_sees_the_pages_of_their_network_only(world):
    # given a published page, a draft, and a page of another network
    PageFactory(network=world.network, slug="about-us", title_en="About us")
    PageFactory(network=world.network, slug="coming-soon", title_en="Coming soon", status=PageStatus.DRAFT)
    PageFactory(network=world.other_network, slug="elsewhere", title_en="Elsewhere")
    # when the network's administrator opens the list
    response = signed_in(world.people["network_admin"]).get(LIST)
    # then both of their pages are there with their status, and the other network's is not
    assert response.status_code == 200
    assert [page.slug for page in response.context["pages"]] == ["about-us", "coming-soon"]
    content = response.content.decode()
    assert "Elsewhere" not in content
    assert "Draft" in content and "Published" in content


@pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant", "program_staff", "evaluator"])
def test_other_roles_cannot_reach_the_editor(world, role):
    # given a page and a person in a role without site.edit
    page = PageFactory(network=world.network, slug="about-us")
    client = signed_in(world.people[role])
    # when they try any editing address
    urls = [LIST, NEW, reverse("site:page-edit", args=[page.pk]), reverse("site:page-preview", args=[page.pk]),
            reverse("site:page-publish", args=[page.pk])]
    # then the editor does not exist for them, and a post changes nothing
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)
    assert client.post(reverse("site:page-edit", args=[page.pk]), edit_form(page, title_en="Hacked")).status_code \
        == 404
    page.refresh_from_db()
    assert page.title_en != "Hacked"


def test_an_administrator_of_another_network_cannot_edit_this_networks_page(world):
    # given a page of the world's network and the other network's administrator
    page = PageFactory(network=world.network, slug="about-us")
    client = signed_in(make_person(world.other_network, Role.NETWORK_ADMIN))
    # when they open or post its edit page
    opened = client.get(reverse("site:page-edit", args=[page.pk]))
    posted = client.post(reverse("site:page-publish", args=[page.pk]), {"status": "draft", "version": page.version})
    # then it does not exist for them
    assert (opened.status_code, posted.status_code) == (404, 404)
    page.refresh_from_db()
    assert page.status == PageStatus.PUBLISHED


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- preview, create, edit ---------------------------------------------------------------------------------------


def test_preview_shows_both_languages_without_saving(world):
    # given an administrator writing a new page
    client = signed_in(world.people["network_admin"])
    # when they press Preview
    response = client.post(NEW, {**page_form(body_en="Come and **meet** us.\n\n<script>x()</script>"),
                                 "preview": "1"})
    # then the form comes back with what they typed, and the page rendered in each language beside it
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="family-evenings"' in content
    assert '<section class="site-preview__language card" lang="en"' in content
    assert '<section class="site-preview__language card" lang="es"' in content
    assert "<p>Come and <strong>meet</strong> us.</p>" in content
    assert "<p>Venga a <strong>conocer</strong> a nuestras consultoras.</p>" in content
    # and the preview is as safe as the public page
    assert "<script>x()" not in content
    # and nothing was saved
    assert not Page.objects.filter(slug="family-evenings").exists()


def test_an_administrator_creates_a_draft_then_publishes_it(world):
    client = signed_in(world.people["network_admin"])
    # when they save a new page without publishing it
    response = client.post(NEW, {**page_form(), "save": "1"})
    page = Page.objects.get(network=world.network, slug="family-evenings")
    # then it is a draft: editors may preview it, the public may not see it
    assert response.status_code == 302
    assert page.status == PageStatus.DRAFT
    assert page.updated_by == world.people["network_admin"]
    preview = client.get(reverse("site:page-preview", args=[page.pk]))
    assert preview.status_code == 200
    assert "<p>Come and <strong>meet</strong> our consultants.</p>" in preview.content.decode()
    assert Client().get("/site/family-evenings/").status_code == 404
    # when they publish it
    assert client.get(reverse("site:page-publish", args=[page.pk])).status_code == 200
    published = client.post(reverse("site:page-publish", args=[page.pk]),
                            {"status": "published", "version": page.version})
    # then it is on the public site, in the menu
    assert published.status_code == 302
    public = Client().get("/site/family-evenings/?lang=es")
    assert public.status_code == 200
    assert "Noches para familias" in public.content.decode()
    assert 'href="/site/family-evenings/">Family evenings</a>' in Client().get("/?lang=en").content.decode()


def test_publishing_needs_the_spanish_title_and_text(world):
    # given a draft written in English only
    client = signed_in(world.people["network_admin"])
    client.post(NEW, {**page_form(title_es="", body_es=""), "save": "1"})
    page = Page.objects.get(slug="family-evenings")
    # when its editor tries to publish it
    response = client.post(reverse("site:page-publish", args=[page.pk]),
                           {"status": "published", "version": page.version})
    # then they are told what is missing and it stays a draft
    assert response.status_code == 200
    content = response.content.decode()
    assert "A published page needs its title in Spanish too." in content
    assert "A published page needs its text in Spanish too." in content
    page.refresh_from_db()
    assert page.status == PageStatus.DRAFT


def test_taking_a_page_off_the_site(world):
    # given a published page
    page = PageFactory(network=world.network, slug="about-us")
    client = signed_in(world.people["network_admin"])
    # when its editor takes it off the site
    response = client.post(reverse("site:page-publish", args=[page.pk]), {"status": "draft", "version": page.version})
    # then the public no longer finds it, and it is a draft for its editors
    assert response.status_code == 302
    assert Client().get("/site/about-us/").status_code == 404
    page.refresh_from_db()
    assert (page.status, page.version) == (PageStatus.DRAFT, 2)


def test_an_administrator_edits_a_page(world):
    page = PageFactory(network=world.network, slug="about-us", title_en="About us")
    client = signed_in(world.people["network_admin"])
    # when they change its title and address
    response = client.post(reverse("site:page-edit", args=[page.pk]),
                           {**edit_form(page, title_en="Who we are", slug="who-we-are"), "save": "1"})
    # then the page has them, its version moved on, and the new address works
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.title_en, page.slug, page.version) == ("Who we are", "who-we-are", 2)
    assert Client().get("/site/who-we-are/").status_code == 200
    assert Client().get("/site/about-us/").status_code == 404


def test_a_preview_while_editing_saves_nothing(world):
    page = PageFactory(network=world.network, slug="about-us", title_en="About us")
    client = signed_in(world.people["network_admin"])
    response = client.post(reverse("site:page-edit", args=[page.pk]),
                           {**edit_form(page, title_en="A new title"), "preview": "1"})
    assert response.status_code == 200
    assert '<h2 class="site-preview__title">A new title</h2>' in response.content.decode()
    page.refresh_from_db()
    assert (page.title_en, page.version) == ("About us", 1)


def test_a_stale_edit_is_caught_and_keeps_what_was_typed(world):
    # given two administrators who opened the same page (version 1)
    page = PageFactory(network=world.network, slug="about-us", title_en="About us")
    first = signed_in(world.people["network_admin"])
    second = signed_in(make_person(world.network, Role.NETWORK_ADMIN))
    url = reverse("site:page-edit", args=[page.pk])
    # when the first saves, then the second saves from the old version
    assert first.post(url, {**edit_form(page, title_en="First title"), "save": "1"}).status_code == 302
    response = second.post(url, {**edit_form(page, title_en="Second title"), "save": "1"})
    # then the second is told, keeps their text, and the first's change stands
    assert response.status_code == 200
    content = response.content.decode()
    assert "Someone else changed this record while you were editing it." in content
    assert 'value="Second title"' in content
    assert 'name="version" value="2"' in content
    page.refresh_from_db()
    assert page.title_en == "First title"


def test_a_double_submit_creates_one_page(world):
    client = signed_in(world.people["network_admin"])
    form = client.get(NEW).context["form"]
    key = str(form.initial["submission_key"])
    data = {**page_form(), "submission_key": key, "save": "1"}
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    assert first.status_code == second.status_code == 302
    assert Page.objects.filter(slug="family-evenings").count() == 1
    assert second["Location"] == first["Location"]


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"slug": "manage"}, "slug", "The site uses the address “manage” for itself; choose another."),
    ({"slug": "about-us"}, "slug", "Another page of this network already has the address “about-us”."),
    ({"body_en": "[prize](javascript:alert(1)) and [call](tel:555)"}, "body_en",
     "These links cannot go on the site (only web addresses starting with https:// or http://, email addresses "
     "with mailto:, and addresses on this site): javascript:alert(1), tel:555"),
    ({"body_es": "![foto](https://example.org/a.png)"}, "body_es", "Pictures are not shown on the site"),
])
def test_a_page_the_site_cannot_show_is_refused_with_a_reason(world, overrides, field, message):
    # given an existing page at about-us
    PageFactory(network=world.network, slug="about-us")
    client = signed_in(world.people["network_admin"])
    # when an administrator saves a new page with a problem
    response = client.post(NEW, {**page_form(**overrides), "save": "1"})
    # then the form comes back with the reason on the field, keeping what was typed
    assert response.status_code == 200
    errors = " ".join(str(error) for error in response.context["form"].errors[field])
    assert message in errors
    assert not Page.objects.filter(slug="family-evenings").exists()


def test_the_same_address_may_be_used_by_another_network(world):
    PageFactory(network=world.other_network, slug="family-evenings")
    client = signed_in(world.people["network_admin"])
    assert client.post(NEW, {**page_form(), "save": "1"}).status_code == 302
    assert Page.objects.filter(slug="family-evenings").count() == 2


# --- services and audit ------------------------------------------------------------------------------------------


def test_every_change_is_audited(world):
    admin = world.people["network_admin"]
    data = PageData(slug="about-us", title_en="About us", title_es="Quiénes somos", body_en="Hi.", body_es="Hola.")
    page = site_services.page_create(actor=admin, network=world.network, data=data)
    site_services.page_edit(actor=admin, page=page, data=data, expected_version=1)
    site_services.page_publish(actor=admin, page=page, expected_version=2)
    site_services.page_unpublish(actor=admin, page=page, expected_version=3)
    events = list(AccessEvent.objects.filter(object_type="library.page", object_id=str(page.pk))
                  .order_by("occurred_at").values_list("action", "user_id"))
    assert events == [(Action.CREATE, admin.pk)] + [(Action.UPDATE, admin.pk)] * 3


def test_the_service_refuses_someone_without_site_edit(world):
    from django.core.exceptions import PermissionDenied

    data = PageData(slug="about-us", title_en="About us", title_es="", body_en="Hi.", body_es="")
    with pytest.raises(PermissionDenied):
        site_services.page_create(actor=world.people["regional_coordinator"], network=world.network, data=data)
    with pytest.raises(PermissionDenied):
        site_services.page_create(actor=world.people["network_admin"], network=world.other_network, data=data)
    assert not Page.objects.exists()
