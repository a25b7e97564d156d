"""setuptools integration: the ``rcffi_modules=`` (and, later,
``cffi_modules=``) keyword of ``setup()``.

API mode (compiled modules) is issue #4 and not built yet, so using the
keyword stops the build with a clear message instead of producing a wheel
without the extension."""


def rcffi_modules(dist, attr, value):
    from setuptools.errors import SetupError

    raise SetupError(
        "%s=%r: rcffi cannot build API-mode modules yet (set_source/compile are not implemented)" % (attr, value)
    )
