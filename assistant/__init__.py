"""Question -> query analysis -> hybrid retrieval -> grounded answer with citations."""

from assistant.api import Assistant
from assistant.errors import IndexUnavailable, InvalidInput, NoIndex, TalentHubError
from assistant.models import Answer, Citation, Hit

__all__ = ["Answer", "Assistant", "Citation", "Hit", "IndexUnavailable", "InvalidInput",
           "NoIndex", "TalentHubError"]
