"""Template loader: CloudFormation intrinsics, SAM Globals, parameters and the records the runtime serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from licita_local.template import (
    ACCOUNT_ID,
    TemplateError,
    api_id_for,
    env_name_for_parameter,
    load_template,
    load_yaml,
    parameter_env_names,
    resolve_parameters,
)

ROOT = Path(__file__).resolve().parents[3]

MINI = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
  Secret: {Type: String}
  Flavour: {Type: String, Default: plain}
  OpenAIApiKey: {Type: String, Default: ""}
Conditions:
  IsSpicy: !Equals [!Ref Flavour, spicy]
Mappings:
  Sizes: {plain: {mem: "128"}, spicy: {mem: "256"}}
Globals:
  Function:
    Runtime: python3.13
    Timeout: 10
    Layers: [!Ref LayerA]
    Environment:
      Variables:
        SECRET: !Ref Secret
        OPENAI_API_KEY: !Ref OpenAIApiKey
        QUEUE: !Ref Jobs
        QUEUE_ARN: !GetAtt Jobs.Arn
        JOINED: !Join ["-", [a, !Ref Stage, !Select [1, !Split [",", "x,y,z"]]]]
        SUBBED: !Sub ["${Bucket}/${AWS::Region}/${Extra}/${!Literal}", {Extra: !Ref Flavour}]
        PICKED: !If [IsSpicy, hot, mild]
        MEM: !FindInMap [Sizes, !Ref Flavour, mem]
Resources:
  LayerA:
    Type: AWS::Serverless::LayerVersion
    Properties: {LayerName: a, ContentUri: shared/}
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy: {deadLetterTargetArn: !GetAtt JobsDLQ.Arn, maxReceiveCount: 2}
  JobsDLQ:
    Type: AWS::SQS::Queue
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "files-${Stage}-${AWS::AccountId}"
      NotificationConfiguration:
        QueueConfigurations:
          - Event: "s3:ObjectCreated:*"
            Queue: !GetAtt Jobs.Arn
            Filter: {S3Key: {Rules: [{Name: prefix, Value: in/}, {Name: Suffix, Value: .pdf}]}}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      Cors: "'*'"
      Auth:
        DefaultAuthorizer: Auth
        Authorizers:
          Auth: {FunctionArn: !GetAtt AuthFn.Arn, FunctionPayloadType: REQUEST, Identity: {Headers: [Authorization]}}
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fns/auth/, Handler: app.handler}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/worker/
      Handler: app.handler
      Timeout: 60
      Layers: [!Ref LayerA]
      Environment: {Variables: {ONLY_WORKER: "1"}}
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 50}}
        Open: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /open, Method: get, Auth: {Authorizer: NONE}}}
        Closed: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/items/{id}", Method: DELETE}}
        Tick: {Type: Schedule, Properties: {Schedule: "cron(0 12 ? * MON-FRI *)", Input: {"task": "x"}}}
  Spicy:
    Type: AWS::Serverless::Function
    Condition: IsSpicy
    Properties: {CodeUri: fns/spicy/, Handler: app.handler}
Outputs:
  BucketName: {Value: !Ref Bucket}
"""


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(MINI)
    return path


def test_short_tags_become_long_form(mini: Path) -> None:
    raw = load_yaml(mini)
    env = raw["Globals"]["Function"]["Environment"]["Variables"]
    assert env["SECRET"] == {"Ref": "Secret"}
    assert env["QUEUE_ARN"] == {"Fn::GetAtt": ["Jobs", "Arn"]}
    assert env["JOINED"]["Fn::Join"][0] == "-"


def test_intrinsics_and_globals_resolve(mini: Path) -> None:
    tpl = load_template(mini, {"Secret": "s3cr3t"}, aws_endpoint_url="http://moto:5000", env={})
    worker = tpl.functions["Worker"]
    env = worker.environment
    assert env["SECRET"] == "s3cr3t"
    assert env["QUEUE"] == f"http://moto:5000/{ACCOUNT_ID}/licita-local-Jobs"
    assert env["QUEUE_ARN"] == f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:licita-local-Jobs"
    assert env["JOINED"] == "a-local-y"
    assert env["SUBBED"] == f"files-local-{ACCOUNT_ID}/us-east-1/plain/${{Literal}}"
    assert env["PICKED"] == "mild" and env["MEM"] == "128"
    assert env["ONLY_WORKER"] == "1"  # function variables merge over Globals
    assert worker.timeout == 60 and tpl.functions["AuthFn"].timeout == 10  # scalar: resource wins
    assert "Spicy" not in tpl.functions  # Condition false
    assert tpl.outputs["BucketName"] == f"files-local-{ACCOUNT_ID}"
    assert worker.code_uri == (mini.parent / "fns/worker").resolve()


def test_condition_true_includes_resource(mini: Path) -> None:
    tpl = load_template(mini, {"Secret": "x", "Flavour": "spicy"}, env={})
    assert "Spicy" in tpl.functions
    assert tpl.functions["Worker"].environment["PICKED"] == "hot"


def test_events_queues_buckets(mini: Path) -> None:
    tpl = load_template(mini, {"Secret": "x"}, env={})
    worker = tpl.functions["Worker"]
    (sqs,) = worker.sqs_events
    assert sqs.queue == "Jobs" and sqs.batch_size == 10  # capped like the SQS API
    open_ev, closed = sorted(worker.api_events, key=lambda e: e.path, reverse=True)
    assert (open_ev.path, open_ev.method, open_ev.authorizer) == ("/open", "GET", None)
    assert (closed.path, closed.method, closed.authorizer) == ("/items/{id}", "DELETE", "Auth")
    (tick,) = worker.schedule_events
    assert tick.expression == "cron(0 12 ? * MON-FRI *)" and json.loads(tick.input or "") == {"task": "x"}
    assert tpl.queues["Jobs"].dlq == "JobsDLQ" and tpl.queues["Jobs"].max_receive_count == 2
    assert tpl.queues["Jobs"].attributes == {"VisibilityTimeout": "30"}
    (note,) = tpl.buckets["Bucket"].notifications
    assert note.queue == "Jobs" and note.filter_rules == (("prefix", "in/"), ("suffix", ".pdf"))
    api = tpl.rest_apis["Api"]
    assert api.cors == {"AllowOrigin": "*", "AllowMethods": "*", "AllowHeaders": "*"}
    assert api.authorizers["Auth"].function == "AuthFn"


def test_parameters_from_env_use_the_templates_variable_names(mini: Path) -> None:
    raw = load_yaml(mini)
    names = parameter_env_names(raw)
    assert names["OpenAIApiKey"] == "OPENAI_API_KEY"  # learnt from `OPENAI_API_KEY: !Ref OpenAIApiKey`
    assert names["Flavour"] == "FLAVOUR"
    values = resolve_parameters(raw, {"Secret": "override"}, env={"OPENAI_API_KEY": "sk", "SECRET": "env"})
    assert values == {"Stage": "local", "Secret": "override", "Flavour": "plain", "OpenAIApiKey": "sk"}


def test_unknown_ref_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                    "      CodeUri: f/\n      Handler: app.h\n      Environment: {Variables: {X: !Ref Nope}}\n")
    with pytest.raises(TemplateError, match="Nope"):
        load_template(path, env={})


def test_env_name_for_parameter() -> None:
    assert env_name_for_parameter("DatabaseUrl") == "DATABASE_URL"
    assert env_name_for_parameter("JwtSecret") == "JWT_SECRET"
    assert len(api_id_for("RestApi")) == 10 and api_id_for("RestApi") == api_id_for("RestApi")


def test_the_projects_template() -> None:
    tpl = load_template(ROOT / "template.yaml", {"DatabaseUrl": "postgresql://x", "JwtSecret": "j" * 40}, env={})
    auth = tpl.functions["AuthFunction"]
    env = auth.environment
    assert env["UPLOADS_BUCKET"] == f"licita-uploads-local-{ACCOUNT_ID}"
    assert env["ANALYSIS_QUEUE_URL"].endswith("/licita-local-AnalysisQueue")
    assert env["DATABASE_URL"] == "postgresql://x" and env["ENVIRONMENT"] == "local"
    routes = {(e.method, e.path): e.authorizer for e in tpl.api_events}
    assert routes[("POST", "/auth/login")] is None
    assert routes[("GET", "/auth/me")] == "LicitaAuthorizer"
    api = tpl.rest_apis["RestApi"]
    assert api.cors is not None and api.cors["AllowOrigin"] == "*"
    assert api.gateway_responses["MISSING_AUTHENTICATION_TOKEN"].status == 404
    assert api.authorizers["LicitaAuthorizer"].identity_headers == ("Authorization",)
    ws = tpl.websocket_apis["WebSocketApi"]
    assert {k: r.function for k, r in ws.routes.items()} == {
        "$connect": "WsFunction", "$disconnect": "WsFunction", "$default": "WsFunction"}
    assert ws.routes["$default"].has_route_response and not ws.routes["$connect"].has_route_response
    assert tpl.queues["AnalysisQueue"].dlq == "AnalysisDLQ" and tpl.queues["AnalysisQueue"].max_receive_count == 3
    assert [n.queue for n in tpl.buckets["UploadsBucket"].notifications] == ["AnalysisQueue"]
    sqs = {e.queue: e for f in tpl.functions.values() for e in f.sqs_events}
    assert sqs["AnalysisQueue"].function == "AnalysisFunction" and sqs["AnalysisQueue"].report_batch_item_failures
    analysis = tpl.functions["AnalysisFunction"]  # its memory is a parameter (!Ref AnalysisMemorySize)
    assert analysis.memory == 3008 and analysis.environment["LICITA_TESSDATA"] == "/opt/tessdata"
    bigger = load_template(ROOT / "template.yaml", {"DatabaseUrl": "postgresql://x", "JwtSecret": "j" * 40,
                                                    "AnalysisMemorySize": "10240"}, env={})
    assert bigger.functions["AnalysisFunction"].memory == 10240
    schedules = [e for f in tpl.functions.values() for e in f.schedule_events]
    assert any(e.function == "MaintenanceFunction" and e.rule_name.endswith("-local") for e in schedules)
