"""SciFact through the rag service's real path: nDCG@10, recall@100, ingestion and query speed.

Starts nats-server and ``python -m riverflow.rag`` (sqlite-vec store, all-MiniLM-L6-v2 on onnxruntime),
creates a dataset over gRPC, uploads the 5,183 abstracts as documents (create-by-text, one document
each, queued on JetStream), waits until all are indexed, then runs the queries over gRPC ``Retrieve``.
Hybrid settings are chosen on the train queries; the figures reported are on the test queries.
A synthetic run then measures the embedded store alone at 100k chunks (query latency, memory).

    uv run python bench/rag_scifact.py [--limit-docs N] [--skip-scale]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import json
import math
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import grpc
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc, retrieval_pb2, retrieval_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import resources_pb2 as r
from riverflow.runtime.nats_server import NatsServerProcess, free_port

DATA = Path(__file__).resolve().parents[2] / "shared" / "rag-eval" / "scifact"
WS = "bench"


def load() -> tuple[list[dict], dict[str, str], dict[str, dict[str, dict[str, int]]]]:
    with gzip.open(DATA / "corpus.jsonl.gz", "rt") as f:
        corpus = [json.loads(line) for line in f]
    queries = {}
    for line in (DATA / "queries.jsonl").read_text().splitlines():
        q = json.loads(line)
        queries[q["_id"]] = q["text"]  # only the text: metadata is the answer key
    qrels: dict[str, dict[str, dict[str, int]]] = {}
    for split in ("train", "test"):
        qrels[split] = {}
        with open(DATA / "qrels" / f"{split}.tsv", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                qrels[split].setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return corpus, queries, qrels


def ndcg_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_100(ranked: list[str], relevant: dict[str, int]) -> float:
    return len(set(ranked[:100]) & {d for d, g in relevant.items() if g > 0}) / len(relevant)


def wait_ready(proc: subprocess.Popen, port: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"rag exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("rag not ready")


async def ingest(
    channel: grpc.aio.Channel, corpus: list[dict], max_tokens: int, overlap: int
) -> tuple[str, dict]:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await stub.CreateDataset(
        k.CreateDatasetRequest(workspace_id=WS, name="scifact", indexing_technique="high_quality")
    )
    # One chunk per abstract up to max_tokens (longer ones split by sentence, with overlap); the
    # embedding model reads the first 256 tokens of a chunk, as in the published MiniLM figures.
    rule = r.ProcessRule(
        mode="custom",
        rules=r.ProcessRules(
            pre_processing_rules=[r.PreProcessingRule(id="remove_extra_spaces", enabled=True)],
            segmentation=r.Segmentation(separator="\\n\\n", max_tokens=max_tokens, chunk_overlap=overlap),
        ),
    )
    settings = k.DocumentSettings(indexing_technique="high_quality", process_rule=rule)
    started = time.perf_counter()
    sem = asyncio.Semaphore(16)

    async def one(doc: dict) -> None:
        async with sem:
            await stub.CreateDocumentByText(
                k.CreateDocumentByTextRequest(
                    workspace_id=WS,
                    user="bench",
                    dataset_id=ds.id,
                    name=doc["_id"],
                    text=f"{doc['title']}\n{doc['text']}",
                    settings=settings,
                )
            )

    await asyncio.gather(*(one(d) for d in corpus))
    accepted = time.perf_counter() - started
    while True:
        info = await stub.GetDataset(k.GetDatasetRequest(workspace_id=WS, dataset_id=ds.id))
        errors = await stub.ListDocuments(
            k.ListDocumentsRequest(workspace_id=WS, dataset_id=ds.id, status="error")
        )
        if info.total_available_documents + errors.total >= len(corpus):
            break
        await asyncio.sleep(1.0)
    elapsed = time.perf_counter() - started
    return ds.id, {
        "documents": len(corpus),
        "errors": errors.total,
        "accepted_s": accepted,
        "indexed_s": elapsed,
    }


async def run_queries(
    channel: grpc.aio.Channel,
    dataset_id: str,
    queries: dict[str, str],
    qrels: dict[str, dict[str, int]],
    model: r.RetrievalModel,
) -> dict[str, float]:
    stub = retrieval_pb2_grpc.RetrievalStub(channel)
    ndcgs, recalls = [], []
    for qid, relevant in qrels.items():
        response = await stub.Retrieve(
            retrieval_pb2.RetrieveRequest(
                workspace_id=WS, dataset_ids=[dataset_id], query=queries[qid][:250], retrieval_model=model
            )
        )
        ranked = list(dict.fromkeys(rec.document.name for rec in response.records))  # best chunk per document
        ndcgs.append(ndcg_at_10(ranked, relevant))
        recalls.append(recall_at_100(ranked, relevant))
    return {"ndcg@10": statistics.fmean(ndcgs), "recall@100": statistics.fmean(recalls)}


async def latency(
    channel: grpc.aio.Channel, dataset_id: str, texts: list[str], model: r.RetrievalModel
) -> dict[str, float]:
    stub = retrieval_pb2_grpc.RetrievalStub(channel)
    times = []
    for text in texts:
        t = time.perf_counter()
        await stub.Retrieve(
            retrieval_pb2.RetrieveRequest(
                workspace_id=WS, dataset_ids=[dataset_id], query=text[:250], retrieval_model=model
            )
        )
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": times[len(times) // 2], "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))]}


def hybrid(weight: float, fusion: str, top_k: int = 100) -> r.RetrievalModel:
    return r.RetrievalModel(
        search_method="hybrid_search",
        top_k=top_k,
        reranking_mode=fusion,
        weights=r.Weights(
            weight_type="customized",
            vector_setting=r.VectorSetting(vector_weight=weight),
            keyword_setting=r.KeywordSetting(keyword_weight=1 - weight),
        ),
    )


async def quality(grpc_port: int, dataset_id: str, queries: dict[str, str], qrels: dict) -> dict:
    out: dict = {"train": {}, "test": {}}
    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        for name, model in (
            ("full_text", r.RetrievalModel(search_method="full_text_search", top_k=100)),
            ("semantic", r.RetrievalModel(search_method="semantic_search", top_k=100)),
        ):
            for split in ("train", "test"):
                out[split][name] = await run_queries(channel, dataset_id, queries, qrels[split], model)
            print(name, out["train"][name], out["test"][name], flush=True)
        best = None
        for fusion in ("weighted_score", "reciprocal_rank_fusion"):
            for weight in (0.3, 0.5, 0.7):
                score = await run_queries(
                    channel, dataset_id, queries, qrels["train"], hybrid(weight, fusion)
                )
                out["train"][f"hybrid {fusion} w={weight}"] = score
                print("train hybrid", fusion, weight, score, flush=True)
                if best is None or score["ndcg@10"] > best[0]:
                    best = (score["ndcg@10"], fusion, weight)
        _, fusion, weight = best
        out["chosen_hybrid"] = {"fusion": fusion, "vector_weight": weight}
        out["test"]["hybrid"] = await run_queries(
            channel, dataset_id, queries, qrels["test"], hybrid(weight, fusion)
        )
        print("test hybrid", fusion, weight, out["test"]["hybrid"], flush=True)
        texts = [queries[q] for q in qrels["test"]]
        out["latency_top10"] = {
            "full_text": await latency(
                channel, dataset_id, texts, r.RetrievalModel(search_method="full_text_search", top_k=10)
            ),
            "semantic": await latency(
                channel, dataset_id, texts, r.RetrievalModel(search_method="semantic_search", top_k=10)
            ),
            "hybrid": await latency(channel, dataset_id, texts, hybrid(weight, fusion, 10)),
        }
        print("latency", out["latency_top10"], flush=True)
    return out


async def scale(n: int = 100_000, dim: int = 384, queries: int = 200) -> dict:
    """The embedded store alone at ``n`` chunks: synthetic unit vectors and texts, exact search."""
    import numpy as np
    from riverflow.rag.ports import ChunkRecord, SearchRequest
    from riverflow.rag.stores.sqlite_vec import SqliteVecStore

    rng = np.random.default_rng(7)
    vocab = [f"w{i}" for i in range(20_000)]
    with tempfile.TemporaryDirectory() as tmp:
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        store = SqliteVecStore(Path(tmp) / "scale.sqlite")
        started = time.perf_counter()
        for start in range(0, n, 1000):
            vectors = rng.standard_normal((1000, dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            words = rng.zipf(1.3, (1000, 60)) % len(vocab)
            records = [
                ChunkRecord(
                    f"c{start + i}",
                    "scale",
                    f"d{(start + i) // 10}",
                    f"c{start + i}",
                    " ".join(vocab[w] for w in words[i]),
                    vectors[i],
                )
                for i in range(1000)
            ]
            await store.upsert(records)
        insert_s = time.perf_counter() - started
        qv = rng.standard_normal((queries, dim)).astype(np.float32)
        qv /= np.linalg.norm(qv, axis=1, keepdims=True)
        out: dict = {
            "chunks": n,
            "insert_s": insert_s,
            "db_mb": (Path(tmp) / "scale.sqlite").stat().st_size / 1e6,
        }
        for mode in ("vector", "text", "hybrid"):
            times = []
            for i in range(queries):
                text = " ".join(vocab[w] for w in rng.zipf(1.3, 8) % len(vocab))
                req = SearchRequest(("scale",), top_k=10, text=text, vector=qv[i])
                t = time.perf_counter()
                await {
                    "vector": store.vector_search,
                    "text": store.text_search,
                    "hybrid": store.hybrid_search,
                }[mode](req)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            out[mode] = {"p50_ms": times[len(times) // 2], "p99_ms": times[int(len(times) * 0.99)]}
        out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out["rss_growth_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
        await store.close()
    return out


def _indexed_dataset(data_dir: Path, documents: int) -> str | None:
    """The id of a fully indexed "scifact" dataset already in ``data_dir``, if there is one."""
    if not (data_dir / "rag.sqlite").exists():
        return None
    with sqlite3.connect(data_dir / "rag.sqlite") as db:
        row = db.execute("SELECT id FROM rag_datasets WHERE name = 'scifact'").fetchone()
        if row is None:
            return None
        done = db.execute(
            "SELECT count(*) FROM rag_documents WHERE dataset_id = ? AND indexing_status = 'completed'", row
        ).fetchone()[0]
    return row[0] if done == documents else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--limit-docs", type=int, default=0, help="ingest only the first N abstracts (smoke run)"
    )
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--overlap", type=int, default=50)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep the rag data here; if it already holds the indexed corpus, skip ingestion (query tuning)",
    )
    args = parser.parse_args()
    corpus, queries, qrels = load()
    if args.limit_docs:
        corpus = corpus[: args.limit_docs]
        kept = {d["_id"] for d in corpus}
        qrels = {s: {q: rel for q, rel in qs.items() if set(rel) & kept} for s, qs in qrels.items()}
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        nats = NatsServerProcess(store_dir=Path(tmp) / "nats").start()
        health, grpc_port = free_port(), free_port()
        data_dir = args.data_dir or Path(tmp) / "rag"
        existing = _indexed_dataset(data_dir, len(corpus))
        env = {
            **os.environ,
            "NATS_URL": nats.url,
            "RAG_HOST": "127.0.0.1",
            "RAG_HEALTH_PORT": str(health),
            "RAG_GRPC_PORT": str(grpc_port),
            "RAG_DATA_DIR": str(data_dir),
            "RAG_LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen([sys.executable, "-m", "riverflow.rag"], env=env)
        try:
            wait_ready(proc, health)

            async def ingest_all() -> tuple[str, dict]:
                async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
                    return await ingest(channel, corpus, args.max_tokens, args.overlap)

            if existing:
                dataset_id = existing
                print("ingestion skipped: reusing the corpus indexed in", data_dir, flush=True)
            else:
                dataset_id, results["ingestion"] = asyncio.run(ingest_all())
                with sqlite3.connect(data_dir / "rag.sqlite") as db:
                    chunks = db.execute("SELECT count(*) FROM rag_segments").fetchone()[0]
                results["ingestion"]["chunks"] = chunks
                results["ingestion"]["chunks_per_s"] = chunks / results["ingestion"]["indexed_s"]
                print("ingestion", results["ingestion"], flush=True)
            results.update(asyncio.run(quality(grpc_port, dataset_id, queries, qrels)))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            nats.stop()
    if not args.skip_scale:
        results["scale_100k"] = asyncio.run(scale())
        print("scale", results["scale_100k"], flush=True)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
