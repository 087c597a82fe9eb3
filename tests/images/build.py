# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the offline test images, cached by a hash of their inputs.

No container registry is reachable where the tests run, so every image is made here: a Debian base
with ``debootstrap`` + ``docker import``, and the rest with Dockerfiles ``FROM`` that base, installing
Debian packages from the machine's own mirror. Each image carries a label with the hash of its inputs
(recipe, build context, parent's hash, mirror); an image whose label matches is not rebuilt.

``--save`` also writes ``docker save`` archives to ``.cache/images/`` for the images that spare
servers load into their own engines (Molecule mounts that directory read-only at ``/images``), and
``archives.json`` there: which archive holds which image. ``docker save`` writes every layer into each
archive, so images that share their layers and load together share an archive (``archive:`` in image.yml):
the double's five releases take 0.4 GB rather than 2.2 GB, Prometheus and its six exporters 1.3 GB rather than 2.7 GB.

Each directory here with an ``image.yml`` declares its images (name, parent or Debian suite, build
args, whether spare servers need an archive); the directory is the Docker build context.

Usage: python tests/images/build.py [--save] [--list] [NAME ...]     (default: every image)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import docker
import docker.errors
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SAVE_DIR = ROOT / ".cache" / "images"
HASH_LABEL = "org.fediverse-deploy.test-image.inputs"
# Bump when the debootstrap recipe below changes in a way the hash cannot see.
BASE_RECIPE = "minbase-v1"
BASE_PACKAGES = ("python3", "iproute2", "procps", "ca-certificates", "curl")


@dataclass(frozen=True)
class Image:
    """One test image: either a debootstrapped base (``suite``) or a Dockerfile context (``context``)."""

    name: str
    suite: str = ""
    context: str = ""
    parent: str = ""
    save: bool = False  # spare servers load it into their own engine
    archive: str = ""  # the archive it is saved in, shared with images of the same layers; default: its own
    buildargs: dict = field(default_factory=dict)
    # A requirements file in the context: its wheels are fetched on the host into <context>/wheels/
    # before the build (containers cannot reach PyPI here: the host's proxy CA is not theirs).
    wheels: str = ""


def declared_images() -> tuple[Image, ...]:
    images = []
    for spec_file in sorted(HERE.glob("*/image.yml")):
        for spec in yaml.safe_load(spec_file.read_text())["images"]:
            context = "" if spec.get("suite") else spec_file.parent.name
            images.append(Image(context=context, **spec))
    return tuple(images)


IMAGES = declared_images()


def archive_name(image: Image) -> str:
    """The file in .cache/images that holds ``image`` once saved."""
    return (image.archive or image.name.replace("/", "_").replace(":", "_")) + ".tar"


def archives() -> dict[str, list[Image]]:
    """The images to save, by the archive that holds them."""
    by_archive: dict[str, list[Image]] = {}
    for image in IMAGES:
        if image.save:
            by_archive.setdefault(archive_name(image), []).append(image)
    return by_archive


def log(msg: str) -> None:
    print(f"==> {msg}", flush=True)


def apt_mirrors() -> tuple[str, str]:
    """Return the Debian and Debian-security mirror URLs the host's apt uses (deb822 and one-line files)."""
    main, security = "", ""
    sources = sorted(Path("/etc/apt/sources.list.d").glob("*")) + [Path("/etc/apt/sources.list")]
    for path in sources:
        if not path.is_file():
            continue
        for line in path.read_text(errors="replace").splitlines():
            words = line.split()
            if line.startswith("URIs:"):
                uris = words[1:]
            elif words[:1] in (["deb"], ["deb-src"]):
                uris = [w for w in words[1:] if w.startswith("http")][:1]
            else:
                continue
            for uri in uris:
                uri = uri.rstrip("/")
                if uri.endswith("/debian-security") and not security:
                    security = uri
                elif uri.endswith("/debian") and not main:
                    main = uri
    return main or "http://deb.debian.org/debian", security or "http://deb.debian.org/debian-security"


def context_digest(directory: Path) -> str:
    """Hash of the build context; image.yml and fetched wheels are left out (their inputs are hashed apart)."""
    digest = hashlib.sha256()
    files = (p for p in directory.rglob("*") if p.is_file() and p.name != "image.yml")
    for path in sorted(p for p in files if "wheels" not in p.relative_to(directory).parts):
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class Builder:
    def __init__(self) -> None:
        self.client = docker.from_env(version="auto", timeout=600)
        self.mirror, self.security_mirror = apt_mirrors()
        self.by_name = {image.name: image for image in IMAGES}
        self.ensured = set()  # names already checked in this run

    def parent_of(self, image: Image) -> Image:
        if image.parent not in self.by_name:
            raise SystemExit(f"{image.name}: parent {image.parent} is not declared in any tests/images/*/image.yml")
        return self.by_name[image.parent]

    def current_hash(self, name: str) -> str:
        try:
            return (self.client.images.get(name).labels or {}).get(HASH_LABEL, "")
        except docker.errors.ImageNotFound:
            return ""

    def inputs_hash(self, image: Image) -> str:
        digest = hashlib.sha256(image.name.encode())
        if image.suite:
            digest.update(f"{BASE_RECIPE}|{image.suite}|{self.mirror}|{self.security_mirror}|{BASE_PACKAGES}".encode())
        else:
            digest.update(context_digest(HERE / image.context).encode())
            digest.update(self.inputs_hash(self.parent_of(image)).encode())
            digest.update(repr(sorted(image.buildargs.items())).encode())
            digest.update(image.wheels.encode())
        return digest.hexdigest()

    def ensure(self, image: Image) -> bool:
        """Build ``image`` (and its parent) unless an image with the same inputs exists; True if built."""
        if image.name in self.ensured:
            return False
        self.ensured.add(image.name)
        if image.parent:
            self.ensure(self.parent_of(image))
        wanted = self.inputs_hash(image)
        if self.current_hash(image.name) == wanted:
            log(f"{image.name}: up to date")
            return False
        started = time.monotonic()
        if image.suite:
            self.debootstrap(image, wanted)
        else:
            self.dockerfile(image, wanted)
        log(f"{image.name}: built in {time.monotonic() - started:.0f} s")
        return True

    def debootstrap(self, image: Image, inputs: str) -> None:
        log(f"{image.name}: debootstrap {image.suite} from {self.mirror}")
        with tempfile.TemporaryDirectory(prefix="fediverse-rootfs-") as rootfs:
            subprocess.run(
                ["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", image.suite, rootfs, self.mirror],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            sources = (
                f"deb {self.mirror} {image.suite} main\ndeb {self.mirror} {image.suite}-updates main\ndeb {self.security_mirror} {image.suite}-security main\n"
            )
            Path(rootfs, "etc/apt/sources.list").write_text(sources)
            # Keep downloaded packages: spare servers pre-seed their apt cache (see spare-server/Dockerfile).
            Path(rootfs, "etc/apt/apt.conf.d/docker-clean").unlink(missing_ok=True)
            for stale in Path(rootfs, "var/cache/apt/archives").glob("*.deb"):
                stale.unlink()
            tar = subprocess.Popen(["tar", "-C", rootfs, "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
            subprocess.run(
                ["docker", "import", "--change", f"LABEL {HASH_LABEL}={inputs}", "--change", 'CMD ["/bin/bash"]', "-", image.name],
                stdin=tar.stdout,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            if tar.wait() != 0:
                raise RuntimeError(f"tar of {rootfs} failed")

    def fetch_wheels(self, image: Image) -> None:
        context = HERE / image.context
        log(f"{image.name}: fetching wheels for {image.wheels}")
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "-r", str(context / image.wheels), "-w", str(context / "wheels")],
            check=True,
        )

    def dockerfile(self, image: Image, inputs: str) -> None:
        if image.wheels:
            self.fetch_wheels(image)
        log(f"{image.name}: docker build {image.context}/")
        buildargs = {"BASE": image.parent, **image.buildargs}
        try:
            self.client.images.build(
                path=str(HERE / image.context),
                tag=image.name,
                buildargs=buildargs,
                labels={HASH_LABEL: inputs},
                rm=True,
                forcerm=True,
                pull=False,
            )
        except docker.errors.BuildError as err:
            tail = "".join(chunk.get("stream", "") for chunk in err.build_log)[-4000:]
            raise RuntimeError(f"building {image.name} failed: {err}\n{tail}") from err

    def save(self, archive: str, images: list[Image]) -> None:
        """Write ``docker save`` of the images to .cache/images/``archive``, unless it holds these inputs."""
        for image in images:
            self.ensure(image)
        inputs = " ".join(f"{image.name}={self.current_hash(image.name)}" for image in images)
        path = SAVE_DIR / archive
        stamp = path.with_suffix(".inputs")
        names = ", ".join(image.name for image in images)
        if path.exists() and stamp.exists() and stamp.read_text() == inputs:
            log(f"{names}: archive up to date")
            return
        SAVE_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        # The CLI: the SDK saves one image per archive.
        subprocess.run(["docker", "save", "-o", str(partial), *(image.name for image in images)], check=True)
        os.chmod(partial, 0o644)
        os.replace(partial, path)
        stamp.write_text(inputs)
        log(f"{names}: saved to {path.relative_to(ROOT)}")


def write_index() -> None:
    """archives.json (image name: archive), and no archive of an earlier layout left to fill the disk."""
    by_archive = archives()
    SAVE_DIR.mkdir(parents=True, exist_ok=True)
    index = {image.name: name for name, images in by_archive.items() for image in images}
    partial = SAVE_DIR / "archives.json.partial"
    partial.write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    os.replace(partial, SAVE_DIR / "archives.json")
    for path in SAVE_DIR.glob("*.tar"):
        if path.name not in by_archive:
            path.unlink()
            path.with_suffix(".inputs").unlink(missing_ok=True)
            log(f"{path.relative_to(ROOT)}: removed (no image is saved there now)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("names", nargs="*", help="images to build (default: all)")
    parser.add_argument("--save", action="store_true", help="also write docker save archives to .cache/images")
    parser.add_argument("--list", action="store_true", help="list the images and whether they are up to date")
    args = parser.parse_args(argv)

    builder = Builder()
    unknown = set(args.names) - set(builder.by_name)
    if unknown:
        parser.error(f"unknown image(s): {', '.join(sorted(unknown))}; known: {', '.join(builder.by_name)}")
    selected = [builder.by_name[name] for name in args.names] or list(IMAGES)

    if args.list:
        for image in selected:
            state = "up to date" if builder.current_hash(image.name) == builder.inputs_hash(image) else "to build"
            print(f"{image.name:45} {state}")
        return 0
    for image in selected:
        builder.ensure(image)
    if args.save:
        # An archive is written whole: with every image it holds, selected or not.
        for archive, images in archives().items():
            if {image.name for image in images} & {image.name for image in selected}:
                builder.save(archive, images)
        write_index()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
