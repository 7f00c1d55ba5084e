"""The database tables, one module per area: the library, its review and history, saved pamphlets, and accounts."""
from .accounts import ROLES, User, UserSession, utcnow as naive_utcnow
from .library import Question, Quote, QuoteTranslation, Source, Theme, quote_themes, utcnow
from .review import QuoteDraft
from .audit import AuditEntry
from .pamphlets import StoredPamphlet

__all__ = ["ROLES", "AuditEntry", "Question", "Quote", "QuoteDraft", "QuoteTranslation", "Source", "StoredPamphlet",
           "Theme", "User", "UserSession", "naive_utcnow", "quote_themes", "utcnow"]
