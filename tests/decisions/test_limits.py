"""Form limits agree with the columns: a long or multi-line value is a message, never a database error."""

import pytest

from isg.decisions.models import Decision

from .helpers import start_data


@pytest.mark.parametrize("length", [101, 150, 200])
def test_a_case_reference_longer_than_its_column_is_refused_with_a_message(signed_in, length):
    data = start_data(case_reference="C" * length)
    response = signed_in.post("/decisions/new/", data)
    assert response.status_code == 200
    assert "Case reference must be 100 characters or fewer" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_case_reference_of_exactly_100_characters_is_kept(signed_in):
    data = start_data(case_reference="C" * 100)
    response = signed_in.post("/decisions/new/", data)
    assert response.status_code == 302
    assert Decision.objects.get().case_reference == "C" * 100


def test_a_line_break_in_a_one_line_field_is_refused(signed_in):
    data = start_data(case_reference="C1\nC2")
    response = signed_in.post("/decisions/new/", data)
    assert response.status_code == 200
    assert not Decision.objects.exists()
    assert "line break" in response.content.decode().lower()
