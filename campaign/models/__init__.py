"""The database tables, one module per area: the library, its review and history, saved pamphlets, accounts,
study groups, and the brand kit and photos."""
from .accounts import (ROLES, AccountToken, RecoveryCode, TwoFactor, User, UserSession,
                       utcnow as naive_utcnow)
from .library import Question, Quote, QuoteTranslation, Source, Theme, quote_themes, utcnow
from .review import QuoteDraft
from .audit import AuditEntry
from .pamphlets import StoredPamphlet
from .groups import Group, Meeting, OutboxMessage, RosterExport, Signup
from .media import BrandSetting, ImageRecord

__all__ = ["ROLES", "AccountToken", "AuditEntry", "BrandSetting", "ImageRecord", "Group", "Meeting", "OutboxMessage", "RosterExport", "Signup", "Question", "Quote", "QuoteDraft", "QuoteTranslation", "RecoveryCode",
           "Source", "StoredPamphlet", "Theme", "TwoFactor", "User", "UserSession", "naive_utcnow", "quote_themes",
           "utcnow"]
