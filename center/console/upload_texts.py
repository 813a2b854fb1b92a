"""The words of the county's upload refusals (catalog and holiday files), Chinese first with English.

Importing this module adds them to the shared catalogue (sync/i18n.py), as center/texts.py does.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

UPLOAD_MESSAGES: dict[str, dict[str, str]] = {
    "upload.refused": {"zh": "上传的文件未接收", "en": "The upload was refused"},
    "upload.none": {"zh": "没有选择文件。请选择要上传的文件后再预览", "en": "No file chosen: choose the files to upload, then preview"},
    "upload.zip_alone": {
        "zh": "文件 {file}：压缩包只能单独上传（一个 .zip，内含各 .toml 文件）",
        "en": "{file}: a .zip must be uploaded alone (one .zip holding the .toml files)",
    },
    "upload.not_toml_or_zip": {
        "zh": "文件 {file}：只能上传 .toml 文件或一个 .zip 压缩包", "en": "{file}: not a .toml file (or one .zip of them)",
    },
    "upload.not_toml": {"zh": "文件 {file}：只能上传 .toml 文件", "en": "{file}: not a .toml file"},
    "upload.twice": {"zh": "文件 {file} 上传了两次", "en": "{file}: uploaded twice"},
    "upload.too_many": {"zh": "文件太多（超过{n}个）", "en": "Too many files (over {n})"},
    "upload.too_large": {
        "zh": "上传的文件合计超过 {mb} MB，未接收。事项目录通常只有几百 KB，请检查是否选错了文件",
        "en": "The upload is over {mb} MB and was refused. A catalog is a few hundred KB: is it the right file?",
    },
    "upload.several_folders": {
        "zh": "文件 {file}：压缩包里的 .toml 文件应在同一个文件夹中（现在分在：{folders}）",
        "en": "{file}: the .toml files in the .zip should be in one folder (they are in: {folders})",
    },
    "upload.bad_zip": {
        "zh": "文件 {file}：无法解压（{detail}），请重新压缩后上传",
        "en": "{file}: not a readable zip ({detail}); zip the folder again and upload it",
    },
    "upload.no_toml": {"zh": "文件 {file}：压缩包里没有 .toml 文件", "en": "{file}: no .toml file inside the .zip"},
}
MESSAGES.update(UPLOAD_MESSAGES)
