#!/usr/bin/env python3
"""Checks that a tool's sync really landed: every local file is listed under the prefix with its size, a sample of
objects reads back with the local file's MD5, and the sample carries the expected Cache-Control.

A benchmark of a tool that silently stores the wrong bytes (aws-chunked framing on s3rver, say) would otherwise
measure nothing. Usage: verify.py ENDPOINT BUCKET PREFIX TREE CACHE_CONTROL [SAMPLE]; prints one line, exits 1 on
any mismatch.
"""
import hashlib
import os
import random
import sys

import boto3
from botocore.config import Config

endpoint, bucket, prefix, tree, cache_control = sys.argv[1:6]
sample = int(sys.argv[6]) if len(sys.argv) > 6 else 25
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}))

local = {}
for root, _, files in os.walk(tree):
    for name in files:
        path = os.path.join(root, name)
        local[prefix + os.path.relpath(path, tree)] = path

listed = {}
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
    for o in page.get("Contents", []):
        listed[o["Key"]] = o["Size"]

problems = []
missing = sorted(set(local) - set(listed))
if missing:
    problems.append(f"{len(missing)} missing, e.g. {missing[0]}")
wrong_size = [k for k in local if k in listed and listed[k] != os.path.getsize(local[k])]
if wrong_size:
    problems.append(f"{len(wrong_size)} with the wrong size, e.g. {wrong_size[0]}: {listed[wrong_size[0]]} bytes")

random.seed(len(local))
for key in random.sample(sorted(local), min(sample, len(local))):
    if key not in listed:
        continue
    got = s3.get_object(Bucket=bucket, Key=key)
    body = got["Body"].read()
    with open(local[key], "rb") as f:
        want = hashlib.md5(f.read()).hexdigest()
    if hashlib.md5(body).hexdigest() != want:
        problems.append(f"{key} reads back with MD5 {hashlib.md5(body).hexdigest()}, the file has {want}")
    if got.get("CacheControl") != cache_control:
        problems.append(f"{key} has Cache-Control {got.get('CacheControl')!r}")

if problems:
    print("WRONG: " + "; ".join(problems[:5]))
    sys.exit(1)
print(f"ok: {len(local)} objects listed with their sizes, {min(sample, len(local))} read back with their MD5 and Cache-Control")
