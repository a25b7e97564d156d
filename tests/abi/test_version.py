"""Versions: `_cffi_backend.__version__` is the version of cffi whose API is
implemented (2.0.0: setup scripts gate on it when rcffi stands in for cffi);
`rcffi.__version__` stays rcffi's own."""

import importlib
import importlib.metadata

import pytest

from conftest import IMPL_NAME

backend = importlib.import_module("_cffi_backend" if IMPL_NAME == "cffi" else "rcffi._cffi_backend")

rcffi_only = pytest.mark.skipif(IMPL_NAME == "cffi", reason="rcffi's own constants")


def test_backend_reports_the_cffi_api_version():
    assert backend.__version__ == "2.0.0"


@rcffi_only
def test_cffi_api_version_is_one_constant():
    import rcffi

    assert rcffi.CFFI_API_VERSION == "2.0.0"
    assert backend.__version__ is rcffi.CFFI_API_VERSION


@rcffi_only
def test_rcffi_version_is_its_own():
    import rcffi

    assert rcffi.__version__ == importlib.metadata.version("rcffi")
    assert rcffi.__version_info__ == tuple(int(x) for x in rcffi.__version__.split("."))
