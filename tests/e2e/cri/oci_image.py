# SPDX-License-Identifier: Apache-2.0
"""Writes an OCI image archive (oci-layout, index.json, blobs) of one uncompressed layer, for
`ctr images import` where no registry is reachable.

usage: oci_image.py LAYER_TAR OUT_TAR NAME CMD...   (NAME e.g. docker.io/sge2e/busybox:1)
"""
import hashlib
import io
import json
import sys
import tarfile


def blob(tar, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo("blobs/sha256/" + digest[7:])
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
    return digest, len(data)


def main():
    layer_path, out, name = sys.argv[1:4]
    cmd = sys.argv[4:]
    layer = open(layer_path, "rb").read()
    with tarfile.open(out, "w") as tar:
        layer_digest, layer_size = blob(tar, layer)
        config = json.dumps({
            "architecture": "amd64", "os": "linux",
            "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": cmd,
                       "WorkingDir": "/"},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        }).encode()
        config_digest, config_size = blob(tar, config)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": config_digest, "size": config_size},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": layer_digest, "size": layer_size}],
        }).encode()
        manifest_digest, manifest_size = blob(tar, manifest)
        for path, data in (("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
                           ("index.json", json.dumps({
                               "schemaVersion": 2,
                               "manifests": [{
                                   "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                   "digest": manifest_digest, "size": manifest_size,
                                   "annotations": {"io.containerd.image.name": name,
                                                   "org.opencontainers.image.ref.name":
                                                       name.rsplit(":", 1)[1]}}],
                           }).encode())):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    main()
