"""Thin Bolt listeners, one module per kind; ``register_listeners`` wires them all."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers import actions, commands, events, home, lifecycle, nudges, shortcuts, views


def register_listeners(app: App, services: Services) -> None:
    for module in (commands, actions, views, events, shortcuts, home, nudges, lifecycle):
        module.register(app, services)
