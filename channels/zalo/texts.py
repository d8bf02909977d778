"""The few sentences the Zalo channel says or stores itself (everything else is the dialogue's)."""

#: Stored as the citizen's message when they send a photo or a location (the operator sees it).
PHOTO_NOTE = "[Ảnh] {url}"
LOCATION_NOTE = "[Vị trí] {where}"
#: Replies when a photo or a location is added to a field report already under way.
PHOTO_TO_DRAFT = "Dạ, em đã nhận ảnh và đính kèm vào phản ánh anh/chị đang gửi ạ."
PHOTO_TO_TICKET = "Dạ, em đã đính kèm ảnh vào phản ánh mã {ticket_id} ạ."
LOCATION_TO_DRAFT = "Dạ, em đã ghi nhận vị trí: {where}."
#: What the dialogue is sent to begin a field report and to greet a new follower (its own commands).
START_REPORT = "/report_issue"
WELCOME = "/greet"
