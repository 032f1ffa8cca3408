"""Tautulli's MQTT agent (id 23, reference 4.1), with paho-mqtt (Apprise's MQTT plugin sends
the body alone; Tautulli's payload, which users' automations parse, is the JSON object
``{"subject": ..., "body": ..., "topic": ...}``).

With ``as_json`` the pipeline passes subject and body as JSON texts (reference 4.5) and they are
embedded as JSON values. The topic may hold ``{parameter}`` fields (unknown ones kept as is).
"""

from __future__ import annotations

import json
import string

import paho.mqtt
import paho.mqtt.client
import paho.mqtt.publish

from .base import Agent, DeliveryError, Opt, truthy


class _Keep(dict):
    def __missing__(self, key):
        return "{" + key + "}"


class MQTT(Agent):
    """Publishes one message to ``topic`` on ``broker:port`` (reference 4.1 options)."""

    id, name, label = 23, "mqtt", "MQTT"
    defaults = {
        "broker": "",
        "port": 1883,
        "protocol": "MQTTv311",
        "username": "",
        "password": "",
        "clientid": "tautulli",
        "topic": "",
        "qos": 1,
        "retain": 0,
        "keep_alive": 60,
        "as_json": 0,
    }
    secrets = frozenset({"password"})
    option_specs = (
        Opt("broker", "text", "Broker", "Host name or IP address of the MQTT broker."),
        Opt("port", "number", "Port", "The broker's port (1883 unless changed)."),
        Opt(
            "protocol",
            "select",
            "Protocol",
            "MQTT protocol version.",
            {"MQTTv31": "3.1", "MQTTv311": "3.1.1", "MQTTv5": "5.0"},
        ),
        Opt("clientid", "text", "Client ID", "The client ID to connect with."),
        Opt("username", "text", "Username", "Broker login (optional)."),
        Opt("password", "password", "Password", "Broker password (optional)."),
        Opt("topic", "text", "Topic", "The topic to publish to; may use {parameters}."),
        Opt("qos", "select", "QoS", "Quality of service level.", {0: 0, 1: 1, 2: 2}),
        Opt("retain", "checkbox", "Retain", "Ask the broker to keep the last message."),
        Opt("keep_alive", "number", "Keep-alive (s)", "Seconds between keep-alive pings."),
        Opt("as_json", "checkbox", "JSON texts", "Subject and body are JSON templates."),
    )

    def text_format(self, config) -> str:
        """``"json"`` when ``as_json`` is set (subject/body are JSON templates), else text."""
        return "json" if truthy((config or {}).get("as_json")) else "text"

    def send(self, config, subject, body, *, action, parameters):
        """Publish; returns ``"published to <topic>"``. Connection errors are retryable."""
        config = self.normalize(config)
        if not config["broker"] or not config["topic"]:
            raise DeliveryError("MQTT: broker and topic are required", retryable=False)
        topic = string.Formatter().vformat(config["topic"], (), _Keep(parameters or {}))
        if truthy(config["as_json"]):
            try:
                subject = json.loads(subject) if subject else subject
                body = json.loads(body) if body else body
            except ValueError as e:
                raise DeliveryError(f"MQTT: subject or body is not valid JSON ({e})", False) from e
        payload = json.dumps({"subject": subject, "body": body, "topic": topic})
        auth = None
        if config["username"]:
            auth = {"username": config["username"], "password": config["password"] or None}
        protocol = getattr(paho.mqtt.client, str(config["protocol"]), paho.mqtt.client.MQTTv311)
        try:
            paho.mqtt.publish.single(
                topic,
                payload=payload,
                qos=config["qos"],
                retain=truthy(config["retain"]),
                hostname=config["broker"],
                port=config["port"],
                client_id=config["clientid"],
                keepalive=config["keep_alive"],
                auth=auth,
                protocol=protocol,
            )
        except (OSError, ValueError, paho.mqtt.MQTTException) as e:
            raise DeliveryError(self.redact(f"MQTT: {type(e).__name__}: {e}", config), True) from e
        return f"published to {topic}"
