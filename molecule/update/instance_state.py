"""What an update must keep on the spare server, as JSON on stdout (run there with python3, standard library only).

    {"containers": {name: {"id", "started_at", "image"}}, "volumes": [name], "networks": {name: id},
     "files": {path: sha256}, "owner": "<id> <created_at>"}

Every container of the spare server's engine (running or not), every volume and network, every file under
/etc/fediverse-deploy (the secrets, passwords, token, environment, TLS key and nginx configuration among them) by
its sha256, and the owner's account row in the database (its data is in bind mounts, not volumes): names, ids and
hashes only, never a file's content or a container's environment. prepare.yml records it after the previous
release's deploy, tests/ compare it with the same taken after the update.
"""

import hashlib
import json
import os
import subprocess

CONFIG_DIR = "/etc/fediverse-deploy"
OWNER_QUERY = "SELECT id || ' ' || created_at FROM accounts WHERE username = 'owner' AND domain IS NULL"


def docker(*args):
    output = subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout
    return [line for line in output.splitlines() if line.strip()]


def containers():
    ids = docker("ps", "--all", "--quiet", "--no-trunc")
    if not ids:
        return {}
    found = {}
    for line in docker("inspect", "--format", "{{.Name}} {{.Id}} {{.State.StartedAt}} {{.Image}}", *ids):
        name, container_id, started_at, image = line.split()
        found[name.lstrip("/")] = {"id": container_id, "started_at": started_at, "image": image}
    return found


def networks():
    return dict(line.split() for line in docker("network", "ls", "--no-trunc", "--format", "{{.Name}} {{.ID}}"))


def files():
    found = {}
    for directory, _subdirectories, names in os.walk(CONFIG_DIR):
        for name in names:
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as content:
                    found[path] = hashlib.sha256(content.read()).hexdigest()
    return found


def owner():
    """The owner's account (id and creation time), read with the password the postgres role keeps (in the environment
    of `docker exec` only)."""
    with open(os.path.join(CONFIG_DIR, "postgres_password"), encoding="utf-8") as password:
        environment = {**os.environ, "PGPASSWORD": password.read().strip()}
    psql = ["exec", "-e", "PGPASSWORD", "mastodon-postgres", "psql", "-X", "-A", "-t", "-U", "mastodon", "-d", "mastodon_production"]
    output = subprocess.run(["docker", *psql, "-c", OWNER_QUERY], check=True, capture_output=True, text=True, env=environment).stdout
    return output.strip()


print(
    json.dumps(
        {
            "containers": containers(),
            "volumes": sorted(docker("volume", "ls", "--quiet")),
            "networks": networks(),
            "files": files(),
            "owner": owner(),
        },
        indent=1,
        sort_keys=True,
    )
)
