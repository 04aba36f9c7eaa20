#!/usr/bin/env python3
"""Creates or removes a benchmark bucket, outside the timed commands. Removal pages through the bucket and deletes in
batches of 1,000 (DeleteObjects), so emptying 2,000 objects between tools costs a few requests, not 2,000.
Usage: bucket.py mk|drop ENDPOINT BUCKET
"""
import sys

import boto3
from botocore.config import Config

action, endpoint, bucket = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
if action == "mk":
    s3.create_bucket(Bucket=bucket)
else:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)
