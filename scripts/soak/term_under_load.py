#!/usr/bin/env python3
"""SIGTERM under load: clients send assessments continuously and keep every id they were answered with; the server
gets SIGTERM mid-stream; afterwards every answered id must be in the audit database (0 lost).

usage: term_under_load.py BASE_URL SERVER_PID AUDIT_DB SECONDS_BEFORE_TERM [THREADS]
"""
import http.client, json, os, random, signal, sqlite3, sys, threading, time
from urllib.parse import urlparse

base, pid, db, before = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 8
u = urlparse(base)
answered, refused, errors = [], [], [0]
lock = threading.Lock()
stop = threading.Event()

def client():
    conn = None
    while not stop.is_set():
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            lon, lat = 113.38 + random.random() * 0.32, 33.18 + random.random() * 0.24
            conn.request("GET", f"/v1/assessments?lon={lon:.6f}&lat={lat:.6f}&industry=1411&nature=new")
            r = conn.getresponse()
            body = r.read()
            with lock:
                if r.status == 200:
                    answered.append(json.loads(body)["id"])
                else:
                    refused.append(r.status)
        except Exception:
            with lock:
                errors[0] += 1
            conn = None
            time.sleep(0.05)

ts = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
for t in ts:
    t.start()
time.sleep(before)
with lock:
    at_term = len(answered)
os.kill(pid, signal.SIGTERM)
# Keep sending while the server drains: new connections must be refused, requests in flight answered.
deadline = time.time() + 30
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        break
    time.sleep(0.05)
exited = time.time() < deadline
stop.set()
for t in ts:
    t.join(timeout=35)
con = sqlite3.connect(db)
stored = {row[0] for row in con.execute("SELECT id FROM assessments")}
lost = [i for i in answered if i not in stored]
print(json.dumps({"answered": len(answered), "answered_before_sigterm": at_term, "answered_after_sigterm": len(answered) - at_term,
                  "non_200": len(refused), "connection_errors_after_term": errors[0], "rows_in_audit_db": len(stored),
                  "lost": len(lost), "server_exited_within_30s": exited}))
sys.exit(0 if not lost and exited else 1)
