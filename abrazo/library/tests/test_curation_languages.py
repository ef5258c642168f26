"""Resources in any language of the directory's table, not only the two Abrazo speaks: curators edit a Vietnamese
resource, the forms list every language (English and Spanish first, names in the page's language), and visitors
suggest a Chinese one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from abrazo.library import resource_services as services
from abrazo.library.curation_forms import ResourceForm, SuggestionForm
from abrazo.library.models import Resource, ResourceStatus
from abrazo.library.tests.factories_curation import signed_in, suggestion_answers
from abrazo.library.tests.factories_resource import ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def edit_values(resource: Resource, **overrides: str) -> dict[str, object]:
    values: dict[str, object] = {
        "title": resource.title, "summary": resource.summary, "kind": resource.kind, "language": resource.language,
        "audiences": resource.audiences, "topics": [], "age_from_months": str(resource.age_from_months),
        "age_to_months": str(resource.age_to_months), "source_organisation": resource.source_organisation,
        "url": resource.url, "review_on": "2030-01-31", "version": resource.version,
    }
    values.update(overrides)
    return values


def test_a_curator_edits_a_vietnamese_resource(world):
    # given a published Vietnamese resource, as the demo has
    resource = ResourceFactory(network=world.network, language="vi",
                               title="Khi con nổi cơn ăn vạ", summary="Những bước giúp cha mẹ giữ bình tĩnh.")
    client = signed_in(world.people["regional_coordinator"])
    edit = reverse("library:curation-resource-edit", args=[resource.pk])
    # when the edit page is opened, Vietnamese is the chosen language
    page = client.get(edit)
    assert page.status_code == 200
    assert page.context["form"]["language"].value() == "vi"
    assert '<option value="vi" selected>Vietnamese</option>' in page.content.decode()
    # and the curator changes its summary and saves, language unchanged
    response = client.post(edit, edit_values(resource, summary="Năm bước giúp cha mẹ giữ bình tĩnh."))
    # then it is saved, still in Vietnamese (no "vi is not one of the available choices")
    assert response.status_code == 302, response.context["form"].errors
    resource.refresh_from_db()
    assert (resource.language, resource.summary) == ("vi", "Năm bước giúp cha mẹ giữ bình tĩnh.")


def test_the_language_list_puts_english_and_spanish_first_and_names_in_the_page_language():
    # when the curators' form is built in English, then in Spanish
    with translation.override("en"):
        english = list(ResourceForm(mode="create", topics=[]).fields["language"].choices)
    with translation.override("es"):
        spanish = list(ResourceForm(mode="create", topics=[]).fields["language"].choices)
    # then English and Spanish lead, the rest follow alphabetically in the page's language (accents set aside)
    assert english[:4] == [("en", "English"), ("es", "Spanish"), ("asl", "American Sign Language"),
                           ("ar", "Arabic")]
    assert spanish[:4] == [("en", "Inglés"), ("es", "Español"), ("ar", "Árabe"), ("hy", "Armenio")]
    assert ("vi", "Vietnamese") in english and ("vi", "Vietnamita") in spanish
    assert len(english) == len(spanish) == 18


def test_the_public_suggestion_form_offers_the_same_languages():
    with translation.override("en"):
        choices = dict(SuggestionForm(topics=[]).fields["language"].choices)
    assert choices["zh"] == "Chinese" and choices["tl"] == "Tagalog"


def test_a_visitor_suggests_a_chinese_resource(world):
    # when a visitor suggests a resource in Chinese
    response = Client().post(reverse("library:suggest"), suggestion_answers(
        language="zh", title="孩子发脾气时", url="https://example.org/zh", email=""))
    # then it waits in the queue in Chinese
    assert response.status_code == 302
    suggestion = Resource.objects.get(title="孩子发脾气时")
    assert (suggestion.language, suggestion.status) == ("zh", ResourceStatus.SUGGESTED)


def test_a_language_outside_the_table_is_refused(world):
    # given a language code no table row has
    resource = ResourceFactory(network=world.network)
    data = services.ResourceData(title="T", summary="S", kind=resource.kind, language="xx",
                                 audiences=tuple(resource.audiences), url="https://example.org/x")
    # when a curator saves it, then the service refuses it on the language field
    with pytest.raises(ValidationError) as refused:
        services.resource_edit(actor=world.people["network_admin"], resource=resource, data=data,
                               expected_version=resource.version)
    assert refused.value.message_dict["language"] == ["Choose the language the resource is in."]
