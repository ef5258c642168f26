"""The curation services, called directly (every door goes through them): permissions, rules, the audit ledger,
emails after commit in the suggester's language, and the search index told about every change."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from abrazo.audit.models import AccessEvent
from abrazo.core.concurrency import StaleEditError
from abrazo.core.submissions import AlreadySubmitted
from abrazo.library import resource_services as services
from abrazo.library.curation_tasks import email_language
from abrazo.library.default_topics import DEFAULT_TOPICS, install_default_topics
from abrazo.library.models import Resource, ResourceStatus, Topic
from abrazo.library.tests.factories_curation import index_spy, pdf_upload
from abrazo.library.tests.factories_resource import ResourceFactory, TopicFactory

pytestmark = pytest.mark.django_db


def data(**overrides) -> services.ResourceData:
    values = {
        "title": "Naming feelings", "summary": "Why naming a feeling helps a child calm down.", "kind": "tip_sheet",
        "language": "en", "audiences": ("families",), "url": "https://example.org/feelings",
        "age_from_months": 12, "age_to_months": 36,
    }
    values.update(overrides)
    return services.ResourceData(**values)


def suggestion_data(**overrides) -> services.SuggestionData:
    values = {"title": "Berrinches", "url": "https://example.org/b", "kind": "video", "language": "es",
              "email": "ana@example.org", "name": "Ana"}
    values.update(overrides)
    return services.SuggestionData(**values)


@pytest.mark.parametrize("role", ["supervisor", "consultant", "program_staff", "evaluator"])
def test_only_curators_may_change_resources(world, role):
    person = world.people[role]
    resource = ResourceFactory(network=world.network, suggested=True)
    with pytest.raises(PermissionDenied):
        services.resource_create(actor=person, network=world.network, data=data())
    with pytest.raises(PermissionDenied):
        services.resource_approve(actor=person, resource=resource, expected_version=1, summary="x")
    with pytest.raises(PermissionDenied):
        services.resource_decline(actor=person, resource=resource, reason="x", expected_version=1)
    assert Resource.objects.get(pk=resource.pk).status == ResourceStatus.SUGGESTED


def test_a_curator_may_not_change_another_network_s_resources(world):
    foreign = ResourceFactory(network=world.other_network)
    coordinator = world.people["regional_coordinator"]
    with pytest.raises(PermissionDenied):
        services.resource_withdraw(actor=coordinator, resource=foreign, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.resource_create(actor=coordinator, network=world.other_network, data=data())
    with pytest.raises(PermissionDenied):
        services.resource_add_translation(actor=coordinator, resource=foreign, data=data(language="es"))


def test_every_change_is_audited_and_indexed(world, django_capture_on_commit_callbacks):
    admin = world.people["network_admin"]
    with index_spy() as indexed, django_capture_on_commit_callbacks(execute=True):
        created = services.resource_create(actor=admin, network=world.network, data=data())
        edited = services.resource_edit(actor=admin, resource=created, data=data(title="Naming big feelings"),
                                        expected_version=created.version)
        withdrawn = services.resource_withdraw(actor=admin, resource=edited, expected_version=edited.version)
        again = services.resource_approve(actor=admin, resource=withdrawn, expected_version=withdrawn.version)
        spanish = services.resource_add_translation(actor=admin, resource=again, data=data(language="es",
                                                                                          title="Nombrar"))
    assert indexed == [[created.pk], [created.pk], [created.pk], [created.pk], [spanish.pk]]
    events = AccessEvent.objects.filter(object_type="library.resource", user_id=admin.pk).order_by("id")
    assert [(event.action, event.object_id) for event in events] == [
        ("create", str(created.pk)), ("update", str(created.pk)), ("update", str(created.pk)),
        ("update", str(created.pk)), ("create", str(spanish.pk)),
    ]
    assert spanish.work_id == created.work_id


def test_a_rolled_back_change_sends_nothing_and_indexes_nothing(world, django_capture_on_commit_callbacks):
    with index_spy() as indexed, django_capture_on_commit_callbacks(execute=True) as callbacks, \
            pytest.raises(ValidationError):
        services.resource_suggest(network=world.network, data=suggestion_data(url="", title=""))
    assert callbacks == [] and indexed == [] and mail.outbox == []


def test_approving_records_the_curator_and_emails_in_the_suggester_s_language(world,
                                                                               django_capture_on_commit_callbacks):
    # given a suggestion sent from the Spanish site
    with django_capture_on_commit_callbacks(execute=True):
        suggestion = services.resource_suggest(network=world.network, data=suggestion_data(), language="es")
    mail.outbox.clear()
    coordinator = world.people["regional_coordinator"]
    # when a coordinator approves it with a summary
    with django_capture_on_commit_callbacks(execute=True):
        published = services.resource_approve(actor=coordinator, resource=suggestion, expected_version=1,
                                              summary="Un video corto.", review_on=date(2031, 1, 1))
    # then it is published, curated by them, and the suggester hears in Spanish
    assert published.status == ResourceStatus.PUBLISHED
    assert published.curated_by == coordinator and published.curated_at == published.published_at
    assert (published.summary, published.review_on) == ("Un video corto.", date(2031, 1, 1))
    assert [(m.to, m.extra_headers["Content-Language"]) for m in mail.outbox] == [(["ana@example.org"], "es")]
    # and approving it again is refused, naming the state
    with pytest.raises(ValidationError, match="is published now"):
        services.resource_approve(actor=coordinator, resource=published, expected_version=published.version)


def test_the_suggester_may_be_left_unnotified(world, django_capture_on_commit_callbacks):
    suggestion = ResourceFactory(network=world.network, suggested=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_approve(actor=world.people["network_admin"], resource=suggestion, expected_version=1,
                                  notify_suggester=False)
    assert mail.outbox == []


def test_a_language_abrazo_does_not_speak_gets_english(world):
    assert email_language(ResourceFactory.build(network=world.network, suggester_language="vi")) == "en"


def test_declining_needs_a_reason(world):
    suggestion = ResourceFactory(network=world.network, suggested=True)
    with pytest.raises(ValidationError) as refused:
        services.resource_decline(actor=world.people["network_admin"], resource=suggestion, reason="  ",
                                  expected_version=1)
    assert refused.value.message_dict == {"reason": ["Give the reason for declining."]}


def test_only_a_suggestion_can_be_declined_and_only_a_published_resource_withdrawn(world):
    admin = world.people["network_admin"]
    published = ResourceFactory(network=world.network)
    declined = ResourceFactory(network=world.network, declined=True)
    with pytest.raises(ValidationError, match="is published now"):
        services.resource_decline(actor=admin, resource=published, reason="No", expected_version=1)
    with pytest.raises(ValidationError, match="is declined now"):
        services.resource_withdraw(actor=admin, resource=declined, expected_version=1)


def test_a_stale_decision_is_refused(world):
    suggestion = ResourceFactory(network=world.network, suggested=True)
    admin = world.people["network_admin"]
    services.resource_edit(actor=admin, resource=suggestion, data=data(), expected_version=1)
    with pytest.raises(StaleEditError):
        services.resource_approve(actor=admin, resource=suggestion, expected_version=1, summary="x")
    assert Resource.objects.get(pk=suggestion.pk).status == ResourceStatus.SUGGESTED


def test_all_problems_of_a_resource_are_named_at_once(world):
    with pytest.raises(ValidationError) as refused:
        services.resource_create(actor=world.people["network_admin"], network=world.network, data=data(
            title=" ", summary="", kind="poster", language="fr", audiences=(), url="ftp://example.org/x",
            age_from_months=36, age_to_months=12))
    assert set(refused.value.message_dict) == {"title", "summary", "kind", "language", "audiences", "url",
                                               "age_to_months"}


def test_a_topic_of_another_network_or_a_retired_one_is_refused(world):
    foreign = TopicFactory(network=world.other_network)
    retired = TopicFactory(network=world.network, is_active=False)
    for topic in (foreign, retired):
        with pytest.raises(ValidationError) as refused:
            services.resource_create(actor=world.people["network_admin"], network=world.network,
                                     data=data(topic_ids=(topic.pk,)))
        assert "topics" in refused.value.message_dict


def test_the_file_replaces_the_link_requirement_and_can_be_removed_only_with_a_link(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = world.people["network_admin"]
    resource = services.resource_create(actor=admin, network=world.network, data=data(url=""),
                                        upload=pdf_upload())
    assert resource.file.name.endswith(f"{resource.pk}.pdf")
    with pytest.raises(ValidationError, match="Give a link or upload a PDF"):
        services.resource_edit(actor=admin, resource=resource, data=data(url=""), expected_version=1,
                               remove_file=True)
    services.resource_edit(actor=admin, resource=resource, data=data(), expected_version=1, remove_file=True)
    assert not Resource.objects.get(pk=resource.pk).file


def test_a_double_submit_of_a_curator_s_form_adds_one_resource(world):
    admin = world.people["network_admin"]
    key = "4f0c1b8a-5d1e-4a52-9f37-2f8b1c0d9e11"
    first = services.resource_create(actor=admin, network=world.network, data=data(), submission_key=key)
    with pytest.raises(AlreadySubmitted) as again:
        services.resource_create(actor=admin, network=world.network, data=data(), submission_key=key)
    assert again.value.existing == first and Resource.objects.count() == 1


def test_default_topics_install_once_and_keep_an_administrator_s_changes(world):
    topics = install_default_topics(world.network)
    assert len(topics) == len(DEFAULT_TOPICS) and topics[-1].key == "dual-language"
    Topic.objects.filter(key="big-feelings").update(name_en="Strong feelings", is_active=False)
    install_default_topics(world.network)
    kept = Topic.objects.get(network=world.network, key="big-feelings")
    assert (kept.name_en, kept.is_active) == ("Strong feelings", False)
    assert Topic.objects.filter(network=world.network).count() == len(DEFAULT_TOPICS)


def test_topics_are_for_administrators(world, django_capture_on_commit_callbacks):
    admin, coordinator = world.people["network_admin"], world.people["regional_coordinator"]
    with pytest.raises(PermissionDenied):
        services.topic_create(actor=coordinator, network=world.network, name_en="A", name_es="B")
    first = services.topic_create(actor=admin, network=world.network, name_en="Screen time", name_es="Pantallas")
    second = services.topic_create(actor=admin, network=world.network, name_en="Screen time!", name_es="Pantallas")
    assert (first.key, second.key) == ("screen-time", "screen-time-2")
    # renaming a topic re-indexes the resources that carry it (their topic names are searched)
    resource = ResourceFactory(network=world.network, topics=[first])
    with index_spy() as indexed, django_capture_on_commit_callbacks(execute=True):
        services.topic_edit(actor=admin, topic=first, name_en="Screens", name_es="Pantallas", position=1,
                            expected_version=first.version)
    assert indexed == [[resource.pk]]
