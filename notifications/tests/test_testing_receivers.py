import smtplib
import urllib.request

import paho.mqtt.publish as publish


def test_http_receiver(http_receiver):
    req = urllib.request.Request(
        http_receiver.url + "/x", data=b'{"a": 1}', method="POST", headers={"X-Test": "y"}
    )
    urllib.request.urlopen(req, timeout=5).read()
    (r,) = http_receiver.wait_for(1)
    assert (r.method, r.path, r.headers["x-test"], r.json()) == ("POST", "/x", "y", {"a": 1})


def test_smtp_receiver(smtp_receiver):
    with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=5) as s:
        s.sendmail("a@x.org", ["b@x.org"], "Subject: hi\r\n\r\nbody")
    (m,) = smtp_receiver.wait_for(1)
    assert m.subject == "hi" and m.rcpt_tos == ["b@x.org"]


def test_mqtt(mqtt_subscriber):
    publish.single(mqtt_subscriber.topic, b"hello", hostname="127.0.0.1", port=1883)
    assert mqtt_subscriber.wait_for(1)[0][1] == b"hello"
