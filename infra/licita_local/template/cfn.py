"""The CloudFormation language the local runtime understands: short-tag YAML and intrinsic functions.

Intrinsics are resolved against parameters, pseudo parameters and a table of physical ids (queue URLs,
ARNs, bucket names); the ids and ARNs are shaped like the ones AWS hands out in the local account.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
DEFAULT_STAGE = "local"

_TAGS = ("Ref", "Condition")
_FN_TAGS = (
    "GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals", "And", "Or", "Not", "FindInMap",
    "Base64", "GetAZs", "ImportValue", "Cidr", "Transform", "Length", "ToJsonString",
)


class TemplateError(Exception):
    """The template uses something the local runtime cannot resolve."""


# --------------------------------------------------------------------------- YAML with CFN short tags
class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that turns ``!Ref X`` / ``!GetAtt A.B`` / ``!Sub ...`` into their long JSON forms."""


def _construct(tag: str, loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag == "GetAtt" and isinstance(value, str):
        logical, _, attr = value.partition(".")
        value = [logical, attr]
    key = tag if tag in _TAGS else f"Fn::{tag}"
    return {key: value}


for _tag in (*_TAGS, *_FN_TAGS):
    _CfnLoader.add_constructor(
        f"!{_tag}", lambda loader, node, _t=_tag: _construct(_t, loader, node)
    )


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_CfnLoader)
    if not isinstance(data, dict):
        raise TemplateError(f"{path} is not a CloudFormation template")
    return data


def queue_arn(name: str) -> str:
    return f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def function_arn(name: str) -> str:
    return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"


def api_id_for(logical_id: str, stack: str = "licita-local") -> str:
    """A stable 10-character id shaped like an API Gateway id (lowercase alphanumerics)."""
    digest = hashlib.sha256(f"{stack}/{logical_id}".encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


# --------------------------------------------------------------------------- intrinsic resolution
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions against parameters, pseudo parameters and physical ids."""

    def __init__(
        self,
        parameters: Mapping[str, str],
        physical: Mapping[str, str],
        attributes: Mapping[tuple[str, str], str],
        conditions: Mapping[str, Any] | None = None,
        mappings: Mapping[str, Any] | None = None,
        stage: str = DEFAULT_STAGE,
    ) -> None:
        self.values: dict[str, str] = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::StackName": f"licita-{stage}",
            "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT_ID}:stack/licita-{stage}/local",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": "",
            **parameters,
            **physical,
        }
        self.attributes = attributes
        self.conditions = dict(conditions or {})
        self.mappings = mappings or {}
        self._condition_cache: dict[str, bool] = {}

    def ref(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        raise TemplateError(f"!Ref {name}: unknown parameter or resource")

    def get_att(self, logical: str, attr: str) -> str:
        key = (logical, attr)
        if key in self.attributes:
            return self.attributes[key]
        if logical in self.values:  # unknown attribute of a known resource: a stable placeholder
            return f"{self.values[logical]}#{attr}"
        raise TemplateError(f"!GetAtt {logical}.{attr}: unknown resource")

    def condition(self, name: str) -> bool:
        if name not in self._condition_cache:
            if name not in self.conditions:
                raise TemplateError(f"unknown condition {name}")
            self._condition_cache[name] = bool(self.resolve(self.conditions[name]))
        return self._condition_cache[name]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value if not _is_no_value(v)]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(str(arg))
            if key == "Condition":
                return self.condition(str(arg))
            if key == "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.get_att(str(parts[0]), str(self.resolve(parts[1])))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, items = arg
                return str(sep).join(str(self.resolve(i)) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(str(sep))
            if key == "Fn::If":
                cond, yes, no = arg
                chosen = yes if self.condition(str(cond)) else no
                return self.resolve(chosen)
            if key == "Fn::Equals":
                a, b = (self.resolve(x) for x in arg)
                return str(a) == str(b)
            if key == "Fn::And":
                return all(self.resolve(x) for x in arg)
            if key == "Fn::Or":
                return any(self.resolve(x) for x in arg)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::FindInMap":
                m, k1, k2 = (str(self.resolve(x)) for x in arg)
                return self.mappings[m][k1][k2]
            if key == "Fn::Base64":
                import base64

                return base64.b64encode(str(self.resolve(arg)).encode()).decode()
            if key == "Fn::GetAZs":
                return [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
            if key == "Fn::ToJsonString":
                return json.dumps(self.resolve(arg), separators=(",", ":"))
            if key == "Fn::Length":
                return len(self.resolve(arg))
            if key == "Fn::ImportValue":
                return f"import:{self.resolve(arg)}"
        return {k: self.resolve(v) for k, v in value.items() if not _is_no_value(v)}

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, local_vars = str(arg[0]), {k: str(self.resolve(v)) for k, v in (arg[1] or {}).items()}
        else:
            text, local_vars = str(arg), {}

        def repl(m: re.Match[str]) -> str:
            name = m.group(1).strip()
            if name in local_vars:
                return local_vars[name]
            if "." in name and not name.startswith("AWS::"):
                logical, attr = name.split(".", 1)
                return str(self.get_att(logical, attr))
            return str(self.ref(name))

        return _SUB_VAR.sub(repl, text).replace("${!", "${")


def _is_no_value(value: Any) -> bool:
    return isinstance(value, dict) and value == {"Ref": "AWS::NoValue"}


# --------------------------------------------------------------------------- physical ids
def predict_physical_ids(resources: Mapping[str, Mapping[str, Any]], bootstrap: Resolver, endpoint_url: str,
                         stage: str) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """What ``!Ref`` and ``!GetAtt`` of each resource will give, before anything exists (``bootstrap`` knows only
    the parameters, so names that ``!Sub`` parameters resolve)."""
    physical: dict[str, str] = {}
    attributes: dict[tuple[str, str], str] = {}
    endpoint = endpoint_url.rstrip("/")
    for logical, res in resources.items():
        rtype = res.get("Type", "")
        props = res.get("Properties") or {}
        if rtype == "AWS::SQS::Queue":
            name = _safe(bootstrap, props.get("QueueName")) or f"licita-{stage}-{logical}"
            if props.get("FifoQueue") and not name.endswith(".fifo"):
                name += ".fifo"
            physical[logical] = f"{endpoint}/{ACCOUNT_ID}/{name}"
            attributes[(logical, "Arn")] = queue_arn(name)
            attributes[(logical, "QueueName")] = name
            attributes[(logical, "QueueUrl")] = physical[logical]
        elif rtype == "AWS::S3::Bucket":
            name = _safe(bootstrap, props.get("BucketName")) or f"licita-{stage}-{logical.lower()}"
            physical[logical] = name
            attributes[(logical, "Arn")] = f"arn:{PARTITION}:s3:::{name}"
            attributes[(logical, "DomainName")] = f"{name}.s3.amazonaws.com"
        elif rtype == "AWS::Serverless::Function":
            name = _safe(bootstrap, props.get("FunctionName")) or f"licita-{stage}-{logical}"
            physical[logical] = name
            attributes[(logical, "Arn")] = function_arn(name)
        elif rtype in ("AWS::Serverless::Api", "AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi",
                       "AWS::Serverless::HttpApi"):
            physical[logical] = api_id_for(logical)
            attributes[(logical, "ApiEndpoint")] = f"https://{physical[logical]}.execute-api.{REGION}.amazonaws.com"
            attributes[(logical, "RootResourceId")] = api_id_for(logical + "/root")
        elif rtype == "AWS::Serverless::LayerVersion":
            name = _safe(bootstrap, props.get("LayerName")) or logical
            physical[logical] = f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:1"
        else:
            physical[logical] = api_id_for(logical)[:7] if rtype.startswith("AWS::ApiGateway") else logical
    return physical, attributes


def _safe(r: Resolver, value: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(r.resolve(value))
    except TemplateError:
        return None
