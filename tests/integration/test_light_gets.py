"""Cold GETs that load no SQLAlchemy and no ORM model (import and first call, behind the authorizer as on AWS):
the inbox (MongoDB only) and /auth/me (one plain query, the SPA's first call); that import is most of an API
function's cold start (issue 14)."""

from __future__ import annotations

from apigw import call
from coldstart_support import run_fresh
from factories import PASSWORD, make_company, make_user

FIRST_GETS = """
    token = sys.argv[1]
    arn = "arn:aws:execute-api:us-east-1:1:api/local/GET/notifications"
    decision = load("authorizer").handler({"methodArn": arn, "headers": {"Authorization": "Bearer " + token}}, None)
    apps = {name: load(name).app for name in ("notifications", "auth")}
    answers = {}
    for name, path in (("notifications", "/notifications"), ("notifications", "/notifications/counts"),
                       ("auth", "/auth/me")):
        event = {"resource": path, "path": path, "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
                 "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
                 "stageVariables": None, "body": None, "isBase64Encoded": False,
                 "requestContext": {"resourcePath": path, "httpMethod": "GET", "path": path, "stage": "test",
                                    "requestId": "r", "identity": {"sourceIp": "198.51.100.7"},
                                    "authorizer": {"principalId": decision["principalId"], **decision["context"]}}}
        response = apps[name](event, None)
        answers[path] = [response["statusCode"], json.loads(response["body"])]
    print(json.dumps({"answers": answers, "loaded": sorted(m for m in sys.modules
                      if m == "sqlalchemy" or m.startswith(("sqlalchemy.", "licita.accounts.models")))}))
"""


def test_first_inbox_and_me_gets_load_no_sqlalchemy() -> None:
    user = make_user(make_company())
    status, tokens = call("auth", "POST", "/auth/login", {"email": user.email, "password": PASSWORD})
    assert status == 200, tokens
    result = run_fresh(FIRST_GETS, tokens["access_token"])
    listed, counted = result["answers"]["/notifications"], result["answers"]["/notifications/counts"]
    assert listed[0] == 200 and listed[1]["items"] == [] and listed[1]["page"]["total"] == 0
    assert counted[0] == 200 and counted[1]["total"] == 0
    status, me = result["answers"]["/auth/me"]
    assert status == 200 and me["id"] == str(user.id) and me["email"] == user.email and me["role"] == user.role
    assert result["loaded"] == []
