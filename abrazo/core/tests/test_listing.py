from __future__ import annotations

import pytest

from abrazo.core.listing import attach_choice_labels, attach_detail_urls
from abrazo.directory.models import SettingType

pytestmark = pytest.mark.django_db


def test_detail_urls_match_get_absolute_url(world):
    # given two programs
    programs = [world.program_a, world.program_b]
    # when their detail URLs are attached in one go
    attach_detail_urls(programs, "directory:program-detail")
    # then each equals the URL reversed for that program alone
    assert [p.detail_url for p in programs] == [p.get_absolute_url() for p in programs]


def test_choice_labels_match_get_display(world):
    program = world.program_a
    program.setting_type = SettingType.HEAD_START
    attach_choice_labels([program], "setting_type", SettingType.choices)
    assert program.setting_type_label == program.get_setting_type_display()
