"""A local fake Slack workspace: Web API server, Slack-side sender, and state for a browser page."""

from .api import attach_sender, create_api_app
from .faults import Fault, FaultPlan
from .forms import ClientValidationError, ElementNotFound
from .model import Call, Channel, File, Message, Team, User, View, WorkspaceError
from .sender import SlackSender
from .server import start_workspace
from .state import Workspace
from .transport import BotResponse, sign

__all__ = [
    "BotResponse",
    "Call",
    "Channel",
    "ClientValidationError",
    "ElementNotFound",
    "Fault",
    "FaultPlan",
    "File",
    "Message",
    "SlackSender",
    "Team",
    "User",
    "View",
    "Workspace",
    "WorkspaceError",
    "attach_sender",
    "create_api_app",
    "sign",
    "start_workspace",
]
