"""Drives two Gongzhi instances on one database at once (see bench/two-instances): submits cases to both from
several threads, acts on them through both, and checks that both answer the same KPIs, equal to the cases."""
import datetime
import json
import sys
import threading
import time
import urllib.error
import urllib.request

A, B = sys.argv[1], sys.argv[2]
PASSWORD = "Gongzhi@2026"


def call(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def token(base, username):
    status, answer = call(base, "POST", "/api/v1/auth/token", body={"username": username, "password": PASSWORD, "name": "twins"})
    assert status == 201, (status, answer)
    return answer["token"]


tokens = {(base, user): token(base, user) for base in (A, B) for user in ("resident", "worker", "district")}
status, buildings = call(A, "GET", "/api/v1/org/buildings?limit=1", tokens[(A, "worker")])
assert status == 200 and buildings["items"], buildings
building = buildings["items"][0]["id"]

created, failures = [], []
lock = threading.Lock()


def submit(n):
    base = A if n % 2 == 0 else B
    status, answer = call(base, "POST", "/api/v1/cases", tokens[(base, "resident")],
                          {"title": f"两实例测试 {n} 楼道灯不亮", "buildingId": building, "itemCode": "PRC-002"})
    with lock:
        (created if status == 201 else failures).append(answer["id"] if status == 201 else (status, answer))


threads = [threading.Thread(target=submit, args=(n,)) for n in range(60)]
started = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"submitted {len(created)} cases to two instances in {time.time() - started:.1f} s, {len(failures)} failures")
assert not failures, failures[:3]

# Act on half of them, alternating instances; a second accept of the same case must be refused, not doubled.
for n, case in enumerate(created[:30]):
    base, other = (A, B) if n % 2 == 0 else (B, A)
    status, _ = call(base, "POST", f"/api/v1/cases/{case}/actions/accept", tokens[(base, "worker")], {"note": "受理"})
    assert status == 200, status
    status, _ = call(other, "POST", f"/api/v1/cases/{case}/actions/accept", tokens[(other, "worker")], {"note": "again"})
    assert status == 409, status

today = datetime.date.today()
period = f"/api/v1/kpis?from={today - datetime.timedelta(days=360)}&to={today + datetime.timedelta(days=1)}&by=community"
answers = [call(base, "GET", period, tokens[(base, "district")]) for base in (A, B)]
assert all(status == 200 for status, _ in answers), answers
(_, ka), (_, kb) = answers
assert ka == kb, "the two instances disagree on the KPIs"
status, cases = call(A, "GET", "/api/v1/cases?limit=1", tokens[(A, "district")])
assert ka["total"]["intake"] == cases["total"], (ka["total"]["intake"], cases["total"])
print(f"both instances: intake {ka['total']['intake']} = the district's {cases['total']} cases; KPIs identical")
