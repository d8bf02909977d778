"""The post classifier (``nlu.posts``): every head, labels from data, persistence, bad input, the JSONL loader.

Trains on 32 short posts written here, so it runs in seconds and does not depend
on the training file other engineers are editing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlu.posts import PostClassifier, load_posts_jsonl


def _post(content: str, label: str, relevant: bool, spam: bool, l2: list[str], title: str = "") -> dict:
    return {"title": title, "content": content, "source": "facebook", "label": label,
            "relevant": relevant, "spam": spam, "sentiment_l2": l2}


# "le_hoi" (festival) is on no list in the code: the model must learn it from here.
POSTS = [
    _post("Festival Huế năm nay rực rỡ, phố đi bộ Nguyễn Đình Chiểu đông vui", "positive", True, False,
          ["le_hoi", "van_hoa_du_lich"], title="Festival Huế khai mạc"),
    _post("Lễ hội áo dài ở Đại Nội thu hút hàng nghìn du khách", "positive", True, False, ["le_hoi", "van_hoa_du_lich"]),
    _post("Đêm hoàng cung tại Đại Nội Huế đẹp lung linh, lễ hội đáng đi", "positive", True, False,
          ["le_hoi", "van_hoa_du_lich"]),
    _post("Lễ hội đua ghe trên sông Hương dịp Quốc khánh", "neutral", True, False, ["le_hoi"]),
    _post("Lễ hội cầu ngư ở Thuận An được tổ chức vào tháng Giêng", "neutral", True, False, ["le_hoi"]),
    _post("Lễ hội pháo hoa Huế bị hủy, du khách thất vọng", "negative", True, False, ["le_hoi", "van_hoa_du_lich"]),
    _post("Đường Lê Lợi ở Huế ngập sâu sau mưa lớn, xe chết máy hàng loạt", "negative", True, False, ["giao_thong"]),
    _post("Kẹt xe kinh khủng ở cầu Trường Tiền giờ tan tầm", "negative", True, False, ["giao_thong"]),
    _post("Thành phố Huế thông xe cầu mới qua sông Hương, đi lại thuận tiện hơn", "positive", True, False,
          ["giao_thong"]),
    _post("Xe buýt tuyến ga Huế đi Thuận An đổi giờ chạy từ tuần sau", "neutral", True, False, ["giao_thong"]),
    _post("Đèn tín hiệu giao thông ở ngã tư Hùng Vương hỏng mấy ngày nay", "negative", True, False, ["giao_thong"]),
    _post("Bệnh viện Trung ương Huế ghép gan thành công cho bệnh nhi", "positive", True, False, ["y_te"]),
    _post("Sở Y tế Huế khuyến cáo phòng bệnh sốt xuất huyết mùa mưa", "neutral", True, False, ["y_te"]),
    _post("Bệnh viện ở Huế quá tải, bệnh nhân nằm ghép ngoài hành lang", "negative", True, False, ["y_te"]),
    _post("Rác chất đống ở kiệt 45 phường Thuận Hóa cả tuần không ai dọn", "negative", True, False, ["moi_truong"]),
    _post("Bờ kè sông Như Ý làm xong đẹp quá, sáng chiều đi bộ sướng", "positive", True, False, ["moi_truong"]),
    _post("Phường Phú Xuân ra quân dọn vệ sinh môi trường cuối tuần", "neutral", True, False, ["moi_truong"]),
    _post("Chị Huế bán rau ở chợ Nam Định nuôi ba con ăn học", "positive", False, False, []),
    _post("Quán bún bò Huế mới mở ở Cầu Giấy, Hà Nội ngon lắm", "positive", False, False, []),
    _post("Bún bò Huế ở quận 3 Sài Gòn giá 60k mà thịt mỏng dính", "negative", False, False, []),
    _post("Phố Huế ở Hà Nội tắc nghẽn vì thi công cống ngầm", "negative", False, False, []),
    _post("TP.HCM khởi công tuyến metro số 2 sau nhiều năm chậm trễ", "positive", False, False, []),
    _post("Cháy chung cư mini ở Hà Nội, nhiều người mắc kẹt", "negative", False, False, []),
    _post("Anh Huế tài xế ở Thủ Đức trả lại túi xách cho khách", "positive", False, False, []),
    _post("Đà Nẵng công bố lịch bắn pháo hoa quốc tế tháng sáu", "neutral", False, False, []),
    _post("Sim số đẹp giá rẻ, đầu 09 tứ quý, liên hệ zalo 0912345678", "neutral", False, True, []),
    _post("Vay tiền nhanh không cần thế chấp, giải ngân trong 5 phút, ib ngay", "neutral", False, True, []),
    _post("Bán đất nền An Vân Dương Huế sổ đỏ chính chủ giá đầu tư, gọi ngay", "neutral", True, True, []),
    _post("Cá độ bóng đá tỷ lệ kèo cao nhất, nạp rút nhanh, zalo 0909999999", "neutral", False, True, []),
    _post("Tuyển CTV bán hàng online tại Huế, thu nhập 1 triệu/ngày, ib ngay", "neutral", True, True, []),
    _post("Sim số đẹp Viettel tam hoa giá sốc, giao sim tận nhà", "neutral", False, True, []),
    _post("Vay tín chấp lãi suất thấp, hỗ trợ nợ xấu, liên hệ ngay hôm nay", "neutral", False, True, []),
]

PREDICTION_KEYS = ("relevant", "spam", "sentiment_l1", "confidence", "sentiment_l2", "scores")


@pytest.fixture(scope="module")
def model() -> PostClassifier:
    return PostClassifier(seed=7, cv_folds=0).fit(POSTS)


def test_predicts_every_head(model: PostClassifier) -> None:
    (label,) = model.predict([{"title": "", "content": "Lễ hội đua ghe trên sông Hương náo nhiệt, du khách thích thú"}])
    assert set(PREDICTION_KEYS) <= set(label)
    assert isinstance(label["relevant"], bool) and isinstance(label["spam"], bool)
    assert label["sentiment_l1"] in {"positive", "neutral", "negative"}
    assert 0.0 <= label["confidence"] <= 1.0
    assert label["confidence"] == max(label["scores"]["sentiment_l1"].values())
    assert set(label["scores"]["sentiment_l2"]) == set(model.heads_["sentiment_l2"]["labels"])


def test_level2_labels_come_from_the_data(model: PostClassifier) -> None:
    assert model.heads_["sentiment_l2"]["labels"] == ["giao_thong", "le_hoi", "moi_truong", "van_hoa_du_lich", "y_te"]
    festival, traffic = model.predict([
        {"title": "Lễ hội áo dài", "content": "Lễ hội áo dài ở Đại Nội Huế thu hút du khách"},
        {"title": "", "content": "Kẹt xe ở cầu Trường Tiền, đường Lê Lợi ngập"},
    ])
    assert "le_hoi" in festival["sentiment_l2"]
    assert "giao_thong" in traffic["sentiment_l2"] and "le_hoi" not in traffic["sentiment_l2"]


def test_multi_label_and_spam(model: PostClassifier) -> None:
    festival, spam = model.predict([
        {"title": "Festival Huế", "content": "Lễ hội Festival Huế ở Đại Nội rực rỡ, du khách đông vui"},
        {"content": "Sim số đẹp tứ quý giá rẻ, vay tiền nhanh, liên hệ zalo 0911111111"},
    ])
    assert {"le_hoi", "van_hoa_du_lich"} <= set(festival["sentiment_l2"])
    assert festival["relevant"] is True and festival["spam"] is False
    assert spam["spam"] is True and spam["sentiment_l2"] == []


def test_absent_heads_predict_none() -> None:
    bare = [{"text": p["content"], "label": p["label"]} for p in POSTS]  # the `hueai train sentiment` minimum
    model = PostClassifier(seed=7, cv_folds=0).fit(bare)
    assert {h: i["trained"] for h, i in model.heads_.items()} == {
        "relevant": False, "spam": False, "sentiment_l1": True, "sentiment_l2": False}
    (label,) = model.predict([{"content": "Đường Lê Lợi ngập sâu"}])
    assert label["relevant"] is None and label["spam"] is None and label["sentiment_l2"] == []
    assert label["sentiment_l1"] in {"positive", "neutral", "negative"}


def test_save_load_identical(model: PostClassifier, tmp_path: Path) -> None:
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert meta["params"]["seed"] == 7 and len(meta["training_data"]["sha256"]) == 64
    assert meta["heads"]["sentiment_l2"]["labels"][1] == "le_hoi"
    assert {"scikit-learn", "numpy"} <= set(meta["libraries"]) and meta["python"] and meta["created_at"]
    loaded = PostClassifier.load(tmp_path / "m")
    probe = [{"title": p["title"], "content": p["content"]} for p in POSTS[::3]]
    assert loaded.predict(probe) == model.predict(probe)


def test_load_rejects_other_directories(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        PostClassifier.load(tmp_path)
    (tmp_path / "model.json").write_text('{"kind": "nlu"}', encoding="utf-8")
    with pytest.raises(ValueError):
        PostClassifier.load(tmp_path)


def test_deterministic(model: PostClassifier) -> None:
    again = PostClassifier(seed=7, cv_folds=0).fit(POSTS)
    probe = [{"title": p["title"], "content": p["content"]} for p in POSTS]
    assert again.predict(probe) == model.predict(probe)
    assert again.heads_ == model.heads_


def test_cross_validated_metrics_are_saved(tmp_path: Path) -> None:
    model = PostClassifier(seed=7, cv_folds=2).fit(POSTS)
    assert model.metrics_["cv_folds"] == 2
    assert {"relevant", "spam", "sentiment_l1", "sentiment_l2"} <= set(model.metrics_)
    model.save(tmp_path)
    assert json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))["metrics"] == model.metrics_


@pytest.mark.parametrize("post", [
    {"title": "", "content": ""},
    {},
    {"title": None, "content": None},
    {"content": "Huế " * 3000},  # 12,000 characters
    {"title": "😂😂😂", "content": "🎉🔥👍"},
    {"content": "\u200b\ufeff \n\t"},
])
def test_bad_input_still_gets_a_prediction(model: PostClassifier, post: dict) -> None:
    (label,) = model.predict([post])
    assert label["sentiment_l1"] in {"positive", "neutral", "negative"}
    assert isinstance(label["sentiment_l2"], list)


@pytest.mark.parametrize("post", ["a string", None, ["title", "content"], {"content": 42}])
def test_non_dict_posts_are_rejected(model: PostClassifier, post: object) -> None:
    with pytest.raises(ValueError):
        model.predict([post])


def test_jsonl_loader_reports_broken_lines(tmp_path: Path) -> None:
    good = [json.dumps(p, ensure_ascii=False).encode("utf-8") for p in POSTS[:3]]
    lines = [
        good[0],
        b'{"title": "\xff\xfe broken bytes", "content": "x", "label": "neutral"}',  # line 2: not UTF-8
        b'{"title": "no closing brace", "label": "neutral"',  # line 3: not JSON
        good[1],
        b"",  # blank: ignored, not an error
        json.dumps({"title": "no label", "content": "Huế"}).encode(),  # line 6: missing field
        b"[1, 2, 3]",  # line 7: not an object
        json.dumps({"content": "x", "label": "neutral", "relevant": "yes"}).encode(),  # line 8: wrong type
        good[2],
    ]
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    records, errors = load_posts_jsonl(path)
    assert [n for n, _ in errors] == [2, 3, 6, 7, 8]
    assert "UTF-8" in errors[0][1] and "JSON" in errors[1][1] and "label" in errors[2][1]
    assert records == POSTS[:3]
