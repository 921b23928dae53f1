from tests.api_support import (  # noqa: F401 (fixtures)
    base_template,
    make_token,
    make_user,
    manager,
    read_token,
    write_token,
)
