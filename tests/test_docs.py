"""Generated documentation stays in step with the code it documents."""

from accelsim.config.reference import render
from tests.conftest import ROOT


def test_config_reference_is_current():
    on_disk = (ROOT / "docs" / "config-reference.md").read_text()
    assert on_disk == render(), "regenerate: python -m accelsim.config.reference > docs/config-reference.md"
