"""A stateful, fault-injectable Slack Web API server for end-to-end tests, and helpers that
sign requests to the bridge the way Slack does."""

from tests.slackapi.faults import Faults
from tests.slackapi.models import ABSENT
from tests.slackapi.server import SlackApiServer
from tests.slackapi.state import GENERAL_CHANNEL_ID, SlackState, WaitTimeout

__all__ = ["ABSENT", "GENERAL_CHANNEL_ID", "Faults", "SlackApiServer", "SlackState", "WaitTimeout"]
