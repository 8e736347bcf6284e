"""The one place that wires configuration to storage, telephony, chat, scheduler and HTTP.

Everything else receives its collaborators as arguments; only this module decides which
concrete adapter stands behind each port:

- storage: storage.Database on DATABASE_URL (an embedded SQLite file is migrated here);
- telephony: adapters.web21c.Web21CClient on WEB21C_ENDPOINT, or on a sandbox started
  in-process when that is unset;
- chat: Slack (bot.slack) when Slack credentials are set, else the terminal (bot.console).
"""

from __future__ import annotations

import errno
import gc
import logging
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from bot.config import Settings, redact_url
from bot.core.clock import SystemClock
from bot.core.ports import ChatSurface, Clock, Telephony
from bot.http.app import Request, Response, WebApp
from bot.http.server import HttpServer
from bot.observability.metrics import Metrics
from bot.queue.side_effects import MarkingTelephony, current_request
from bot.queue.tasks import Tasks
from bot.queue.work_queue import WorkKind, WorkQueue, WorkRunner
from bot.scheduler.jobs import Jobs
from bot.services.call_outcomes import CallOutcomes
from bot.services.calls import Calls
from bot.services.conferences import Conferences
from bot.services.contacts import Contacts
from bot.services.deliveries import Deliveries
from bot.services.dispatch import Dispatcher
from bot.services.group_texts import GroupTexts
from bot.services.history import History
from bot.services.home import Home
from bot.services.inbound import Inbound
from bot.services.inbound_cycle import InboundCycle
from bot.services.messaging import Messaging, SmsSettings
from bot.services.opting import Opting, OptReplies
from bot.services.ownership import Ownership
from bot.services.parties import Directory, Policy
from bot.services.retention import Retention
from bot.services.routes import Routes
from bot.services.scheduled import WORK_KIND as SCHEDULED_WORK
from bot.services.scheduled import ScheduledTexts
from bot.services.tracking import LiveTracking
from bot.services.verification import VerificationSettings
from storage import Database, LeaseManager
from storage.engine import is_memory_sqlite
from storage.intake import Intake, intake_path_for

log = logging.getLogger(__name__)


class StartupError(Exception):
    """Something outside the bridge refused it at start-up; the message says what to fix."""


SLACK_TIMEOUT = 10  # seconds; inbound.POST_IN_FLIGHT must stay longer than this


@dataclass
class Services:
    """The use cases, wired to one database, one telephony and one chat front end."""

    db: Database
    telephony: Telephony
    chat: ChatSurface
    clock: Clock
    metrics: Metrics
    policy: Policy
    directory: Directory
    routes: Routes
    messaging: Messaging
    calls: Calls
    conferences: Conferences
    inbound: Inbound
    deliveries: Deliveries
    tracking: LiveTracking
    dispatcher: Dispatcher
    work: WorkQueue
    inbound_cycle: InboundCycle
    retention: Retention
    ownership: Ownership
    scheduled: ScheduledTexts

    def poll_inbound(self) -> None:
        """One inbound cycle (bot.services.inbound_cycle): fetch, act on STOP/START/HELP,
        post all channels at once (each in order, paced on its own), clear what was posted."""
        self.inbound_cycle.run()

    def housekeeping(self) -> None:
        self.work.forget_expired_events()
        self.retention.purge()  # bounded batches, each its own transaction

    def close(self) -> None:
        self.inbound_cycle.close()
        self.inbound.close()
        self.tracking.close()
        self.telephony.close()
        self.work.close()


def wire_services(
    settings: Settings,
    db: Database,
    telephony: Telephony,
    chat: ChatSurface,
    clock: Clock | None = None,
    metrics: Metrics | None = None,
    find_posted=None,
) -> Services:
    clock = clock or SystemClock()
    metrics = metrics or Metrics()
    policy = Policy(
        settings.default_region,
        settings.allowed_countries,
        settings.admin_user_ids,
        settings.allowed_number_types,
        settings.sip_allowed_domains,
    )
    verification = VerificationSettings(
        settings.web21c_from, timedelta(seconds=settings.phone_code_lifetime_seconds)
    )
    directory = Directory(
        db, chat, policy, telephony, clock, verification, settings.profile_phone_max_age_seconds
    )
    sms = SmsSettings(settings.web21c_from, settings.public_url, settings.sms_max_segments)
    messaging = Messaging(db, telephony, chat, directory, clock, sms, metrics)
    outcomes = CallOutcomes(db, chat, directory)
    calls = Calls(db, telephony, chat, directory, policy, outcomes)
    conferences = Conferences(db, telephony, chat, directory, policy, outcomes)
    minutes = settings.reminder_minutes
    ownership = Ownership(
        db,
        chat,
        directory,
        messaging,
        calls,
        clock,
        timedelta(minutes=minutes) if minutes else None,
    )
    routes = Routes(db, chat, policy)
    inbound = Inbound(
        db,
        telephony,
        chat,
        directory,
        messaging,
        clock,
        metrics,
        find_posted=find_posted,
        reply_keyword=settings.reply_keyword,
    )
    group_texts = GroupTexts(db, chat, directory, messaging, clock, settings.group_text_max)
    intake_path = intake_path_for(db.url)
    work = WorkQueue(db, clock, metrics, Intake(intake_path) if intake_path else None)
    grace = timedelta(minutes=settings.schedule_grace_minutes)
    scheduled = ScheduledTexts(
        db,
        chat,
        directory,
        messaging,
        group_texts,
        clock,
        grace,
        wake=work.wake,
        request_key=current_request,
    )
    work.kinds[SCHEDULED_WORK] = WorkKind(
        scheduled.send_now,
        scheduled.describe_work,
        scheduled.tell_requester,
        lambda payload: (
            "Look at the conversation's thread in that channel before you send it again."
        ),
    )
    replies = OptReplies(settings.opt_out_reply, settings.opt_in_reply, settings.help_reply)
    opting = Opting(db, telephony, chat, clock, policy, metrics, settings.web21c_from, replies)
    retention = Retention(db, clock, policy, settings.retention_days, settings.default_region)
    return Services(
        db=db,
        telephony=telephony,
        chat=chat,
        clock=clock,
        metrics=metrics,
        policy=policy,
        directory=directory,
        routes=routes,
        messaging=messaging,
        calls=calls,
        conferences=conferences,
        inbound=inbound,
        deliveries=Deliveries(db, telephony, messaging),
        tracking=LiveTracking(db, calls, conferences),
        dispatcher=Dispatcher(
            directory,
            routes,
            messaging,
            calls,
            conferences,
            Contacts(db, chat, directory, clock, messaging),
            History(db, chat, directory),
            retention=retention,
            ownership=ownership,
            group_texts=group_texts,
            scheduled=scheduled,
        ),
        work=work,
        inbound_cycle=InboundCycle(db, telephony, inbound, opting),
        retention=retention,
        ownership=ownership,
        scheduled=scheduled,
    )


def schedule(services: Services, settings: Settings) -> Jobs:
    """The scheduled jobs, each run by one process at a time."""
    jobs = Jobs(LeaseManager(services.db), services.metrics)
    interval = settings.poll_interval_seconds
    jobs.add("inbound", interval, services.poll_inbound)
    if not settings.public_url:  # with callbacks, Web21C tells us; without, we ask
        jobs.add("deliveries", interval, services.deliveries.poll)
    jobs.add("live-calls", interval, services.tracking.refresh_all)
    jobs.add("housekeeping", 600.0, services.housekeeping)
    jobs.add("scheduled", interval, services.scheduled.release_due)
    if settings.reminder_minutes:  # checked often enough to remind within a fifteenth late
        every = min(60.0, max(1.0, settings.reminder_minutes * 4.0))
        jobs.add("reminders", every, services.ownership.remind)
    return jobs


def mount_routes(web: WebApp, services: Services, jobs: Jobs | None) -> None:
    """The bridge's own HTTP routes: Web21C callbacks, /metrics and health checks."""

    def web21c_event(request: Request) -> Response:
        token = request.path.removeprefix("/web21c/events/")
        result = services.deliveries.on_callback(token, request.body)
        return Response.text(result.status, result.text)

    def metrics(request: Request) -> Response:
        return Response(200, services.metrics.render().encode(), services.metrics.content_type)

    web.route("POST", "/web21c/events/", web21c_event)
    web.route("GET", "/metrics", metrics)
    web.add_health_check("database", lambda: None if services.db.ping() else "database unreachable")
    web.add_health_check("work queue", services.work.problem)
    web.add_health_check("unrouted texts", services.inbound_cycle.problem)
    if jobs is not None:
        web.add_health_check("web21c", jobs.problem)


@dataclass
class Bridge:
    """The wired application. Subcommands start the parts they need."""

    settings: Settings
    web: WebApp
    services: Services
    tasks: Tasks
    jobs: Jobs
    sandbox: object | None = None
    bolt_app: object | None = None
    console: object | None = None
    work_runner: WorkRunner | None = None  # carries out what the Slack listeners queued
    _servers: list[HttpServer] = field(default_factory=list)
    _socket_mode: object | None = None

    def start_http(self) -> HttpServer:
        host, port = self.settings.host, self.settings.port
        try:
            server = HttpServer(self.web, host, port, name="bridge-http")
        except OSError as error:
            raise listen_problem(error, "the HTTP server", host, port, "PORT") from None
        self._servers.append(server.start())
        log.info("HTTP server listening on %s", server.url)
        return server

    def start_web(self) -> HttpServer:
        """What `web` does: answer HTTP. Each Slack request is committed to the work queue,
        in this process, before it is acknowledged; a worker carries it out."""
        return self.start_http()

    def start_worker(self) -> None:
        """The scheduled jobs and the work queue's runner: what `worker` (and `run`) do."""
        self.jobs.start()
        if self.work_runner is not None:
            self.work_runner.start()

    def start_socket_mode(self) -> None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler
        from slack_sdk.errors import SlackApiError

        handler = SocketModeHandler(self.bolt_app, self.settings.slack_app_token)
        try:  # once connected, slack_sdk logs a lost connection and reconnects by itself
            handler.connect()
        except SlackApiError as error:  # apps.connections.open refused the app token
            reason = (error.response or {}).get("error") or "refused"
            raise StartupError(
                f"Slack refused the Socket Mode connection ({reason}): SLACK_APP_TOKEN must be "
                "an app-level token (xapp-...) with the connections:write scope"
            ) from None
        self._socket_mode = handler
        self.web.add_health_check("socket mode", self._socket_mode_problem)
        if handler.client.is_connected():
            log.info("connected to Slack in Socket Mode")
        else:
            log.warning("not connected to Slack in Socket Mode yet; retrying")

    def _socket_mode_problem(self) -> str | None:
        connected = self._socket_mode is not None and self._socket_mode.client.is_connected()
        return None if connected else "not connected to Slack's Socket Mode websocket"

    def stop(self) -> None:
        self.jobs.stop()
        if self._socket_mode is not None:
            self._socket_mode.close()
        for server in reversed(self._servers):
            server.stop()
        self._servers.clear()
        if self.work_runner is not None:
            self.work_runner.stop()
        self.tasks.shutdown()
        self.services.close()
        if self.sandbox is not None:
            self.sandbox.stop()


def bootstrap(settings: Settings, *, console_out=None) -> Bridge:
    """Build the whole bridge for these settings; nothing is started yet but the sandbox."""
    from adapters.web21c.client import Web21CClient

    db = open_database(settings.database_url)
    sandbox = None
    endpoint = settings.web21c_endpoint
    if endpoint is None:
        from adapters.web21c.sandbox import SandboxOptions, start_sandbox

        options = SandboxOptions(speed=settings.sandbox_speed, reply_keyword=settings.reply_keyword)
        try:
            sandbox = start_sandbox("127.0.0.1", settings.sandbox_port, options)
        except OSError as error:
            db.close()
            raise listen_problem(
                error, "the Web21C sandbox", "127.0.0.1", settings.sandbox_port, "SANDBOX_PORT"
            ) from None
        endpoint = sandbox.url
        log.info("no WEB21C_ENDPOINT: using the built-in sandbox at %s", endpoint)
    # Every write to Web21C made while carrying out queued work is marked first (at most once).
    telephony = MarkingTelephony(Web21CClient.from_settings(settings, endpoint))
    tasks = Tasks()
    web = WebApp()
    if settings.slack_configured:
        bridge = _with_slack(settings, db, telephony, tasks, web)
    else:
        bridge = _with_console(settings, db, telephony, tasks, web, console_out)
    bridge.sandbox = sandbox
    mount_routes(web, bridge.services, bridge.jobs)
    return bridge


def open_database(url: str) -> Database:
    """The database, reachable and at the schema this bridge needs, or a StartupError saying
    what to fix. An embedded SQLite file is brought up to date here; a server database is
    upgraded by `web21c-bridge db upgrade` (the Procfile's release step), never implicitly."""
    from storage.migrate import current_revision, head_revision, upgrade

    db = reachable_database(url)
    shown = redact_url(url)
    if db.dialect == "sqlite":
        upgrade(db if is_memory_sqlite(url) else url)  # an embedded database looks after itself
        return db
    current, head = schema_revision(db, current_revision), head_revision()
    if current != head:
        db.close()
        found = "has no bridge schema yet" if current is None else f"is at schema {current}"
        raise StartupError(
            f"the database {shown} {found}, and this bridge needs {head}: run "
            "`web21c-bridge db upgrade` first (the Procfile's release step)"
        )
    return db


def schema_revision(db: Database, read) -> str | None:
    """`read(db)` (storage.migrate.current_revision) without Alembic's INFO lines about its
    context ("Context impl ...", "Will assume transactional DDL"): reading is not news."""
    logger = logging.getLogger("alembic.runtime.migration")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        return read(db)
    finally:
        logger.setLevel(level)


def reachable_database(url: str) -> Database:
    """The database at url if it answers, else a StartupError naming what to check."""
    db = Database(url)
    if db.ping():
        return db
    db.close()
    shown = redact_url(url)
    if db.dialect == "sqlite":
        raise StartupError(
            f"cannot open the database {shown}: check DATABASE_URL, and that its folder exists "
            "and is writable"
        )
    raise StartupError(
        f"cannot reach the database {shown}: check DATABASE_URL, and that the database server "
        "runs and accepts this user"
    )


def listen_problem(error: OSError, what: str, host: str, port: int, key: str) -> StartupError:
    """An OSError from binding a listening socket, as the one sentence that says the fix."""
    if error.errno == errno.EADDRINUSE:
        return StartupError(
            f"{what} cannot listen on {host}:{port}: the port is in use (is another "
            f"web21c-bridge running?); stop it, or set {key} to a free port (0 picks one)"
        )
    if isinstance(error, socket.gaierror) or error.errno in (errno.EADDRNOTAVAIL, errno.EINVAL):
        return StartupError(
            f"HOST={host} is not an address of this machine: set HOST to 127.0.0.1 (this "
            "machine only) or 0.0.0.0 (every interface)"
        )
    if error.errno == errno.EACCES:
        return StartupError(
            f"{what} may not listen on port {port} (ports below 1024 need root): set {key} "
            "to 1024 or above"
        )
    return StartupError(
        f"{what} cannot listen on {host}:{port} ({error.strerror or error}): check HOST and {key}"
    )


def freeze_startup_objects() -> None:
    """Take what start-up built out of the garbage collector's sight (gc.freeze).

    Start-up leaves a few hundred thousand objects that live as long as the process (WSDL
    schemas, SQLAlchemy metadata, phone-number tables, Bolt). Each of the collector's full
    passes would walk them all again, a pause of milliseconds that lands on whichever Slack
    request is being answered at that moment. Called once, by the CLI, after bootstrap()."""
    gc.collect()
    gc.freeze()


def _with_slack(settings: Settings, db: Database, telephony, tasks: Tasks, web: WebApp) -> Bridge:
    from slack_sdk import WebClient

    from bot.slack.app import SlackFrontEnd, create_bolt_app
    from bot.slack.chat import SlackChat
    from bot.slack.home import HomePublisher
    from bot.slack.http import slack_events_handler
    from bot.slack.text import to_plain
    from bot.slack.work import slack_work

    client = WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT
    )
    chat = SlackChat(client)
    services = wire_services(settings, db, telephony, chat, find_posted=chat.find_posted)
    services.scheduled.plain = lambda words: to_plain(words, chat.user_name)
    home = HomePublisher(
        client,
        Home(db, services.directory, services.calls, services.conferences, _problems(services)),
    )
    services.calls.changed_for = home.changed_for  # a card changed: its people's tabs too
    services.conferences.changed_for = home.changed_for
    front = SlackFrontEnd(  # commits, then acks
        services.work.put,
        settings.default_region,
        check_number=services.messaging.refusal,
        max_segments=settings.sms_max_segments,
        user_name=chat.user_name,
        home=home,
    )
    bolt_app = create_bolt_app(client, settings.slack_signing_secret, front)
    if settings.slack_signing_secret:  # only a signing secret makes HTTP requests checkable
        handler = slack_events_handler(bolt_app, settings.slack_signing_secret, services.metrics)
        web.route("POST", "/slack/events", handler)
    jobs = schedule(services, settings)
    services.work.kinds.update(
        slack_work(
            services.dispatcher,
            services.messaging,
            chat,
            chat.user_name,
            settings.default_region,
            home_changed=home.changed,
        )
    )
    runner = WorkRunner(
        services.work, jobs.holder, services.metrics, claim_seconds=settings.work_claim_seconds
    )
    return Bridge(settings, web, services, tasks, jobs, bolt_app=bolt_app, work_runner=runner)


def _problems(services: Services):
    """The health checks an admin's App Home shows, as a list of problems."""

    def problems() -> list[str]:
        found = [services.work.problem(), services.inbound_cycle.problem()]
        return [p for p in found if p]

    return problems


def _with_console(
    settings: Settings, db: Database, telephony, tasks: Tasks, web: WebApp, out
) -> Bridge:
    from bot.console.chat import CONSOLE_CHANNEL, CONSOLE_USER, ConsoleChat
    from bot.console.handler import Console
    from bot.console.numbering import Numbering, Records
    from bot.console.printer import Printer
    from bot.queue.tasks import Tasks

    records = Records(db)
    chat = ConsoleChat(Printer(out), Numbering.load(db), records)
    admins = settings.admin_user_ids | {CONSOLE_USER}  # the person at the terminal runs it
    settings = _replace(settings, admin_user_ids=admins)
    services = wire_services(settings, db, telephony, chat)
    keyword = settings.reply_keyword
    with db.transaction() as tx:
        if tx.routes.channel_for(keyword) is None:
            tx.routes.set(keyword, CONSOLE_CHANNEL, CONSOLE_USER)
    in_order = Tasks(1, name="console-work")  # one person: their commands run in order, as typed
    console = Console(
        chat,
        services.dispatcher,
        services.messaging,
        in_order,
        settings.default_region,
        keyword,
        records,
    )
    jobs = schedule(services, settings)
    runner = WorkRunner(  # carries out scheduled texts when their time comes
        services.work, jobs.holder, services.metrics, claim_seconds=settings.work_claim_seconds
    )
    return Bridge(settings, web, services, in_order, jobs, console=console, work_runner=runner)


def _replace(settings: Settings, **changes) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)
