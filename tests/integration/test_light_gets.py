"""Cold GETs that load no SQLAlchemy and no ORM model (import and first call, behind the authorizer as on AWS):
the inbox (MongoDB only), /auth/me (one plain query, the SPA's first call), /tenders and /boards (the landing
lists, one tenant-scoped plain query each); that import is most of an API function's cold start (issue 14). Not even
psycopg: light's standard-library protocol client answers them."""

from __future__ import annotations

from apigw import call
from coldstart_support import run_fresh
from factories import PASSWORD, make_company, make_user
from tenders_helpers import Caller, load_function, make_caller, seed_tender
from tenders_helpers import call as call_app

FIRST_GETS = """
    token = sys.argv[1]
    arn = "arn:aws:execute-api:us-east-1:1:api/local/GET/notifications"
    decision = load("authorizer").handler({"methodArn": arn, "headers": {"Authorization": "Bearer " + token}}, None)
    apps = {name: load(name).app for name in ("notifications", "auth", "tenders", "boards")}
    answers = {}
    for name, path, query in (("notifications", "/notifications", None),
                              ("notifications", "/notifications/counts", None), ("auth", "/auth/me", None),
                              ("tenders", "/tenders", None), ("tenders", "/tenders", {"q": "papel", "page": "2"}),
                              ("boards", "/boards", None)):
        event = {"resource": path, "path": path, "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
                 "queryStringParameters": query, "pathParameters": None,
                 "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
                 "stageVariables": None, "body": None, "isBase64Encoded": False,
                 "requestContext": {"resourcePath": path, "httpMethod": "GET", "path": path, "stage": "test",
                                    "requestId": "r", "identity": {"sourceIp": "198.51.100.7"},
                                    "authorizer": {"principalId": decision["principalId"], **decision["context"]}}}
        response = apps[name](event, None)
        answers[path + ("?" + "&".join(sorted(query)) if query else "")] = [response["statusCode"],
                                                                           json.loads(response["body"])]
    print(json.dumps({"answers": answers, "loaded": sorted(m for m in sys.modules
                      if m == "sqlalchemy" or m.startswith(("sqlalchemy.", "licita.accounts.models"))),
                      "drivers": sorted(m for m in sys.modules if m.split(".")[0] in ("psycopg", "psycopg_binary"))}))
"""


def test_first_inbox_me_and_tender_list_gets_load_no_sqlalchemy() -> None:
    user = make_user(make_company())
    caller = Caller(str(user.id), str(user.company_id), user.role)
    own = [seed_tender(caller, object=f"Aquisição de papel, lote {n}") for n in (1, 2)]
    seed_tender(caller, object="Serviços de limpeza")
    other = make_caller()
    seed_tender(other, object="Aquisição de papel de outra empresa")  # another company: never listed
    for owner, name in ((caller, "Licitações 2025"), (other, "Quadro de outra empresa")):
        status, board = call_app(load_function("boards").app, "POST", "/boards", owner, body={"name": name})
        assert status == 201, board
    status, tokens = call("auth", "POST", "/auth/login", {"email": user.email, "password": PASSWORD})
    assert status == 200, tokens
    result = run_fresh(FIRST_GETS, tokens["access_token"])
    listed, counted = result["answers"]["/notifications"], result["answers"]["/notifications/counts"]
    assert listed[0] == 200 and listed[1]["items"] == [] and listed[1]["page"]["total"] == 0
    assert counted[0] == 200 and counted[1]["total"] == 0
    status, me = result["answers"]["/auth/me"]
    assert status == 200 and me["id"] == str(user.id) and me["email"] == user.email and me["role"] == user.role
    status, listed = result["answers"]["/tenders"]
    assert status == 200 and listed["page"]["total"] == 3 and len(listed["items"]) == 3
    assert {t["id"] for t in listed["items"]} >= set(own) and listed["items"][0]["risk_score"] == 10.0
    status, beyond = result["answers"]["/tenders?page&q"]
    assert status == 200 and beyond["items"] == [] and beyond["page"]["total"] == 2  # total even past the end
    status, boards = result["answers"]["/boards"]
    assert status == 200 and [b["name"] for b in boards["items"]] == ["Licitações 2025"]
    assert boards["page"]["total"] == 1 and isinstance(boards["items"][0]["labels"], list)
    assert result["loaded"] == []
    assert result["drivers"] == []  # light speaks the protocol itself (platform/db/pgwire.py): psycopg is ~230 ms
