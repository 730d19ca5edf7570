"""The real server process: health, links, a real Socket.IO client."""

import socketio


def test_server_serves_and_accepts_live_clients(live_server):
    import requests

    server = live_server()
    links = server.import_session()
    server.start()
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
    assert requests.get(links["tables"]["1"]["rapporteur"]["url"], timeout=5).status_code == 200
    client = socketio.SimpleClient()
    client.connect(
        server.url,
        namespace="/live",
        auth={"token": links["tables"]["1"]["rapporteur"]["token"]},
        transports=["websocket"],
    )
    name, snapshot = client.receive(timeout=5)
    assert name == "snapshot"
    assert snapshot["table"] == 1 and snapshot["role"] == "rapporteur"
    client.disconnect()
