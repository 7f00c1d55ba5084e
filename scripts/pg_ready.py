"""Exit 0 when a PostgreSQL server answers at the URL given (used by `make test`)."""
import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception:
    sys.exit(1)
