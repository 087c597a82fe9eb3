"""The tasks a deploy run changed, and those of them the allow-list does not allow (run on the controller).

Usage: python changed_tasks.py RUN_JSON ALLOWED_CHANGES_YML HOST
RUN_JSON is the run's output with the ansible.posix.json callback. Prints
{"stats": <HOST's recap>, "changed": [{"task", "changed_paths"}], "not_allowed": [...], "failed": [{"task", "msg"}]},
where changed_paths is what fediverse.deploy.managed_files reports (null for other modules) and failed lists every failed
result (ignored ones too: the recap tells whether the run failed). A changed task is allowed when an entry of
update_allowed_changes has its name and, if the entry lists paths, the task changed only paths of that list.
"""

import json
import sys

import yaml


def changed_paths(result):
    """The paths a result (or its loop's results) reports changed; None when it reports none."""
    results = [result, *result.get("results", [])]
    if not any("changed_paths" in each for each in results):
        return None
    return sorted({path for each in results for path in each.get("changed_paths", [])})


def allowed(change, allow_list):
    for entry in allow_list:
        if entry["task"] != change["task"]:
            continue
        if "paths" not in entry:
            return True
        if change["changed_paths"] is not None and set(change["changed_paths"]) <= set(entry["paths"]):
            return True
    return False


def main(run_json, allowed_changes_yml, host):
    with open(run_json, encoding="utf-8") as output:
        run = json.load(output)
    with open(allowed_changes_yml, encoding="utf-8") as allow_file:
        allow_list = yaml.safe_load(allow_file)["update_allowed_changes"] or []
    changed, failed = [], []
    for play in run["plays"]:
        for task in play["tasks"]:
            result = task["hosts"].get(host, {})
            if result.get("changed"):
                changed.append({"task": task["task"]["name"], "changed_paths": changed_paths(result)})
            if result.get("failed"):
                failed.append({"task": task["task"]["name"], "msg": result.get("msg", "")})
    print(
        json.dumps(
            {
                "stats": run["stats"].get(host, {}),
                "changed": changed,
                "not_allowed": [change for change in changed if not allowed(change, allow_list)],
                "failed": failed,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
