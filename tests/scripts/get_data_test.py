#!/usr/bin/env python3
"""scripts/get-data against local sources (file://): a good copy, a corrupted one, a truncated
one, and an unreachable server. Needs no internet. The good copies are the exact MNIST and
LIBSVM a9a of ../shared/data/{mnist,libsvm} beside the source tree; those cases are skipped when
they are absent.

    get_data_test.py SOURCE_DIR
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(SOURCE_DIR, "scripts", "get-data")
MNIST = os.path.join(SOURCE_DIR, "..", "shared", "data", "mnist")
LIBSVM = os.path.join(SOURCE_DIR, "..", "shared", "data", "libsvm")
FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def run(*args):
    return subprocess.run([sys.executable, SCRIPT] + list(args), capture_output=True, text=True)


class GetData(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cardinal-get-data-")
        self.dest = os.path.join(self.dir, "data", "mnist")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def assertNothingWritten(self):
        parent = os.path.dirname(self.dest)
        left = os.listdir(parent) if os.path.isdir(parent) else []
        self.assertEqual(left, [], "left behind: %s" % left)

    def copy_of_mnist(self):
        if not os.path.isdir(MNIST):
            self.skipTest("no MNIST at %s" % MNIST)
        source = os.path.join(self.dir, "source")
        shutil.copytree(MNIST, source)
        for name in os.listdir(source):
            os.chmod(os.path.join(source, name), 0o644)
        return source

    def test_a_good_copy_is_verified_and_written_whole(self):
        source = self.copy_of_mnist()
        r = run("--dest", self.dest, "--source", "file://" + source, "mnist")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(self.dest)), sorted(FILES))
        for name in FILES:
            with open(os.path.join(source, name), "rb") as a, open(os.path.join(self.dest, name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)
        self.assertEqual(os.listdir(os.path.dirname(self.dest)), ["mnist"])  # no staging left
        again = run("--dest", self.dest, "--source", "file://" + source, "mnist")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("already at", again.stdout)

    def test_a_corrupted_copy_is_refused_and_nothing_is_written(self):
        source = self.copy_of_mnist()
        path = os.path.join(source, "train-labels-idx1-ubyte.gz")
        with open(path, "r+b") as f:
            f.seek(1000)
            byte = f.read(1)
            f.seek(1000)
            f.write(bytes([byte[0] ^ 0xFF]))
        r = run("--dest", self.dest, "--source", "file://" + source, "mnist")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("corrupted download", r.stderr)
        self.assertIn("train-labels-idx1-ubyte.gz", r.stderr)
        self.assertNothingWritten()

    def test_a_truncated_copy_is_refused_and_nothing_is_written(self):
        source = self.copy_of_mnist()
        path = os.path.join(source, "t10k-images-idx3-ubyte.gz")
        with open(path, "r+b") as f:
            f.truncate(1000)
        r = run("--dest", self.dest, "--source", "file://" + source, "mnist")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("truncated download", r.stderr)
        self.assertNothingWritten()

    def test_an_unreachable_server_says_so_and_writes_nothing(self):
        with socket.socket() as s:  # a loopback port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        r = run("--dest", self.dest, "--source", "http://127.0.0.1:%d/mnist/" % port, "mnist")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("is there a network connection?", r.stderr)
        self.assertNothingWritten()

    def copy_of_a9a(self):
        if not all(os.path.exists(os.path.join(LIBSVM, f)) for f in ("a9a", "a9a.t")):
            self.skipTest("no a9a at %s" % LIBSVM)
        source = os.path.join(self.dir, "libsvm")
        os.makedirs(source)
        for name in ("a9a", "a9a.t"):
            shutil.copyfile(os.path.join(LIBSVM, name), os.path.join(source, name))
        return source

    def test_a_libsvm_set_is_checked_against_its_published_counts(self):
        source = self.copy_of_a9a()
        dest = os.path.join(self.dir, "data", "a9a")
        r = run("--dest", dest, "--source", "file://" + source, "a9a")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(dest)), ["a9a", "a9a.t"])
        # One example fewer: neither the published size nor the published count.
        shutil.rmtree(dest)
        with open(os.path.join(source, "a9a.t"), "rb") as f:
            lines = f.readlines()
        with open(os.path.join(source, "a9a.t"), "wb") as f:
            f.writelines(lines[:-1])
        r = run("--dest", dest, "--source", "file://" + source, "a9a")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("a9a.t", r.stderr)
        self.assertEqual(os.listdir(os.path.dirname(dest)), [])

    def test_the_libsvm_count_check_refuses_another_data_set(self):
        # w8a.t has no published checksum: only its counts stand between a wrong file and the
        # data folder. a9a.t served under that name is refused.
        source = self.copy_of_a9a()
        if not os.path.exists(os.path.join(LIBSVM, "w8a")):
            self.skipTest("no w8a at %s" % LIBSVM)
        shutil.copyfile(os.path.join(LIBSVM, "w8a"), os.path.join(source, "w8a"))
        shutil.copyfile(os.path.join(source, "a9a.t"), os.path.join(source, "w8a.t"))
        dest = os.path.join(self.dir, "data", "w8a")
        r = run("--dest", dest, "--source", "file://" + source, "w8a")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("16281 examples, the published data set has 14951", r.stderr)
        self.assertEqual(os.listdir(os.path.dirname(dest)), [])

    def test_unknown_data_sets_are_refused(self):
        r = run("--dest", self.dest, "imagenet")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown data set 'imagenet'", r.stderr)
        r = run("--dest", self.dest, "fashion-mnist")
        self.assertIn("dataset-fashion-mnist", r.stderr)
        self.assertNothingWritten()


if __name__ == "__main__":
    unittest.main(verbosity=2)
