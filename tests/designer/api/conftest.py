from tests.designer.workspaces.conftest import make_user  # noqa: F401 - a fixture shared with these tests
