"""`python -m facilitator`: serve the app with gevent (what `make run` calls).

Monkey-patching must happen before anything else imports the socket module.
"""

from gevent import monkey

monkey.patch_all()

import signal  # noqa: E402
import sys  # noqa: E402

import gevent  # noqa: E402


def main() -> int:
    """Prepare the database, print the links, serve until Ctrl-C or SIGTERM."""
    from facilitator import create_app, pgwait
    from facilitator.cli import prepare_first_run
    from facilitator.extensions import db
    from facilitator.first_start import first_start_lock
    from facilitator.wsgiserver import NoDelayWSGIServer, settle_heap

    pgwait.install()  # psycopg waits on the loop itself (pgwait.py)
    app = create_app()
    with app.app_context():
        with first_start_lock(db.engine):  # several processes may start at once on an empty database
            lines = prepare_first_run(app)
        for line in lines:
            print(line)
        if not app.config.get("SOCKETIO_MESSAGE_QUEUE"):
            # the only process: whoever was connected before a crash is gone
            from facilitator.models import Presence

            db.session.query(Presence).delete()
            db.session.commit()
    host, port = app.config["HOST"], app.config["PORT"]
    server = NoDelayWSGIServer((host, port), app, log=None)
    if app.config["RETENTION_INTERVAL_HOURS"]:
        gevent.spawn(retention_daily, app, app.config["RETENTION_INTERVAL_HOURS"] * 3600)
    settle_heap()

    def stop() -> None:
        print("\nFacilitator stopt.", flush=True)
        server.stop(timeout=5)

    gevent.signal_handler(signal.SIGTERM, stop)
    gevent.signal_handler(signal.SIGINT, stop)
    print(f"\nFacilitator luistert op http://{host}:{port} (stoppen: Ctrl-C)", flush=True)
    server.serve_forever()
    return 0


def retention_daily(app, interval: float, first_delay: float = 60.0) -> None:
    """Run retention (facilitator/retention/erase.py) a minute after the start, then every interval.

    Every process may run it: it is idempotent, and a meeting already erased is skipped.
    """
    import logging

    from facilitator.extensions import db
    from facilitator.retention import erase

    gevent.sleep(first_delay)
    while True:
        with app.app_context():
            try:
                outcome = erase.run()
                if outcome.changed:
                    done = f"{len(outcome.anonymised)} gewist, {len(outcome.deleted)} verwijderd"
                    print(f"Bewaartermijn: {done}.", flush=True)
            except Exception:  # a failed run is logged and tried again next time, never the server's end
                logging.getLogger(__name__).exception("retention run failed")
                db.session.rollback()
            finally:
                db.session.remove()
        gevent.sleep(interval)


if __name__ == "__main__":
    sys.exit(main())
