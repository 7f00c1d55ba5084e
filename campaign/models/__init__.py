"""The database tables, one module per area: the library and the accounts of the people who run Handbill."""
from .accounts import ROLES, User, UserSession, utcnow as naive_utcnow
from .library import Question, Quote, QuoteTranslation, Source, Theme, quote_themes, utcnow

__all__ = ["ROLES", "Question", "Quote", "QuoteTranslation", "Source", "Theme", "User", "UserSession",
           "naive_utcnow", "quote_themes", "utcnow"]
