"""The database tables, one module per area: the library, its review and history, saved pamphlets, and accounts."""
from .accounts import (ROLES, AccountToken, RecoveryCode, TwoFactor, User, UserSession,
                       utcnow as naive_utcnow)
from .library import Question, Quote, QuoteTranslation, Source, Theme, quote_themes, utcnow
from .review import QuoteDraft
from .audit import AuditEntry
from .pamphlets import StoredPamphlet

__all__ = ["ROLES", "AccountToken", "AuditEntry", "Question", "Quote", "QuoteDraft", "QuoteTranslation", "RecoveryCode",
           "Source", "StoredPamphlet", "Theme", "TwoFactor", "User", "UserSession", "naive_utcnow", "quote_themes",
           "utcnow"]
