"""The database tables, one module per area: the library and the accounts of the people who run Handbill."""
from .accounts import (ROLES, AccountToken, RecoveryCode, TwoFactor, User, UserSession,
                       utcnow as naive_utcnow)
from .library import Question, Quote, QuoteTranslation, Source, Theme, quote_themes, utcnow

__all__ = ["ROLES", "AccountToken", "Question", "Quote", "QuoteTranslation", "RecoveryCode", "Source", "Theme",
           "TwoFactor", "User", "UserSession", "naive_utcnow", "quote_themes", "utcnow"]
