"""One-time submission keys: the first claim wins, a second names what the first made, and
`submitted_pk` tells a caller what a key already did without claiming it."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from abrazo.core.submissions import AlreadySubmitted, claim_submission, remember_submission, submitted_pk
from abrazo.directory.models import Network
from abrazo.directory.tests.factories import NetworkFactory

pytestmark = pytest.mark.django_db


def test_a_second_claim_of_a_key_names_what_the_first_created():
    # given a key claimed and the network its submit created remembered
    key, network = uuid.uuid4(), NetworkFactory()
    claim_submission(owner="person:1", key=key, model=Network)
    remember_submission(owner="person:1", key=key, obj=network)
    # when the same key is claimed again
    with pytest.raises(AlreadySubmitted) as again:
        claim_submission(owner="person:1", key=key, model=Network)
    # then the first record is named
    assert again.value.existing == network


def test_no_key_is_never_a_double_submit():
    claim_submission(owner="person:1", key=None, model=Network)
    claim_submission(owner="person:1", key=None, model=Network)  # no AlreadySubmitted


def test_submitted_pk_is_what_the_key_created_and_nothing_before():
    # given a key nobody has used
    key, network = uuid.uuid4(), NetworkFactory()
    # then it did nothing yet, not even once claimed while its submit is still running
    assert submitted_pk(owner="person:1", key=key) is None
    claim_submission(owner="person:1", key=key, model=Network)
    assert submitted_pk(owner="person:1", key=key) is None
    # when the submit remembers what it made
    remember_submission(owner="person:1", key=key, obj=network)
    # then the key names it (as text, the way it is kept), for its owner only
    assert submitted_pk(owner="person:1", key=key) == str(network.pk)
    assert submitted_pk(owner="person:2", key=key) is None
    assert submitted_pk(owner="person:1", key=None) is None


def test_submitted_pk_does_not_claim_the_key():
    # given a key only looked up
    key = uuid.uuid4()
    submitted_pk(owner="person:1", key=key)
    # then the first real submit still claims it
    claim_submission(owner="person:1", key=key, model=Network)


@pytest.mark.django_db(transaction=True)
def test_a_claim_rolled_back_with_its_create_can_be_submitted_again():
    # given a submit whose create failed after claiming the key (its transaction rolled back)
    key = uuid.uuid4()
    with pytest.raises(RuntimeError), transaction.atomic():
        claim_submission(owner="person:1", key=key, model=Network)
        raise RuntimeError("validation failed")
    # when the person corrects the form and sends the same key
    claim_submission(owner="person:1", key=key, model=Network)
    # then it is claimed (no AlreadySubmitted), and nothing is remembered yet
    assert submitted_pk(owner="person:1", key=key) is None
