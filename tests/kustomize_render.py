"""A small kustomize renderer for the manifest tests (no kubectl here).

It follows kustomization.yaml (``resources``, ``components``, strategic-merge ``patches``,
``namespace``) and refuses anything else, so it never misrenders silently.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

__all__ = ["K8S_DIR", "Obj", "load_yaml_docs", "render"]

K8S_DIR = Path(__file__).resolve().parents[1] / "deploy/k8s"

Obj = dict[str, Any]
#: Kinds that take no namespace when a kustomization sets one.
CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}


def load_yaml_docs(path: Path) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _kustomization(directory: Path, kind: str) -> Obj:
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert spec["kind"] == kind, f"{directory}: expected a {kind}"
    unsupported = set(spec) - {"apiVersion", "kind", "resources", "components", "patches", "namespace"}
    assert not unsupported, f"{directory}: renderer does not support {sorted(unsupported)}"
    return spec


def _is_named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "name" in i for i in value)


def _merge(base: Any, patch: Any) -> Any:
    """Strategic merge, simplified: maps merge deeply, lists of named items merge by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if _is_named_list(base) and _is_named_list(patch):
        merged_list = [copy.deepcopy(item) for item in base]
        index = {item["name"]: i for i, item in enumerate(merged_list)}
        for item in patch:
            if item["name"] in index:
                merged_list[index[item["name"]]] = _merge(merged_list[index[item["name"]]], item)
            else:
                merged_list.append(copy.deepcopy(item))
        return merged_list
    return copy.deepcopy(patch)


def _apply_patches(objects: list[Obj], patches: list[Obj], directory: Path) -> list[Obj]:
    for entry in patches:
        assert set(entry) <= {"path", "patch"}, f"{directory}: only strategic-merge patches are supported"
        patch = yaml.safe_load((directory / entry["path"]).read_text() if "path" in entry else entry["patch"])
        matches = [
            i
            for i, obj in enumerate(objects)
            if (obj["kind"], obj["metadata"]["name"]) == (patch["kind"], patch["metadata"]["name"])
        ]
        assert len(matches) == 1, f"{directory}: patch {entry} matches {len(matches)} objects"
        objects[matches[0]] = _merge(objects[matches[0]], patch)
    return objects


def _build(directory: Path, kind: str = "Kustomization", objects: list[Obj] | None = None) -> list[Obj]:
    spec = _kustomization(directory, kind)
    objects = list(objects or [])
    for resource in spec.get("resources", []):
        path = (directory / resource).resolve()
        objects += _build(path) if path.is_dir() else load_yaml_docs(path)
    for component in spec.get("components", []):
        objects = _build((directory / component).resolve(), "Component", objects)
    objects = _apply_patches(objects, spec.get("patches", []), directory)
    if namespace := spec.get("namespace"):
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = namespace
    ids = [
        (o["apiVersion"], o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects
    ]
    assert len(ids) == len(set(ids)), f"{directory}: duplicate objects"
    return objects


def render(name: str, tmp_path: Path) -> list[Obj]:
    """Render ``deploy/k8s/<name>``, or ``base`` plus one component for ``components/<x>``."""
    if name.startswith("components/"):
        (tmp_path / "kustomization.yaml").write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "kustomize.config.k8s.io/v1beta1",
                    "kind": "Kustomization",
                    "resources": [str(K8S_DIR / "base")],
                    "components": [str(K8S_DIR / name)],
                }
            )
        )
        return _build(tmp_path)
    return _build(K8S_DIR / name)
