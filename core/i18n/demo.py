"""Simplified Chinese wording of the demo fleet: site names, column names, title pools, page labels.

Data only; the page builders pick from these pools with a seeded generator.
"""

from __future__ import annotations

from core.i18n.common import COLUMN_KIND

PROVINCE_NAME = "湖南省"
PROVINCIAL_PORTAL = "湖南省人民政府门户网站"
PROVINCIAL_ORGANIZER = "湖南省人民政府办公厅"

# (site name, organizer, short name used in document numbers)
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("湖南省教育厅", "湖南省教育厅", "湘教"),
    ("湖南省卫生健康委员会", "湖南省卫生健康委员会", "湘卫"),
    ("湖南省交通运输厅", "湖南省交通运输厅", "湘交"),
    ("湖南省财政厅", "湖南省财政厅", "湘财"),
    ("湖南省人力资源和社会保障厅", "湖南省人力资源和社会保障厅", "湘人社"),
    ("湖南省生态环境厅", "湖南省生态环境厅", "湘环"),
    ("湖南省自然资源厅", "湖南省自然资源厅", "湘自然资"),
)

# The demo's columns: every registry kind but "other", named as core.i18n.common labels them.
# The dated list columns of the demo sites; service guides (kind "service") are pages of their own
# (demo/guides.py), and the demo registers none of the other kinds.
COLUMN_NAMES = {kind: COLUMN_KIND[kind] for kind in ("news", "notice", "policy", "personnel", "planning",
                                                      "consultation", "interpretation")}
# Path segments in the pinyin-initial style Chinese CMSs use.
COLUMN_SLUGS = {"news": "ywdt", "notice": "tzgg", "policy": "zcwj", "personnel": "rsxx", "planning": "ghjh",
                "consultation": "zwzx", "interpretation": "zcjd"}
INTERPRETATION_TITLE = "《{policy}》解读"  # an interpretation is titled after the policy it explains

TOPICS = ("安全生产", "优化营商环境", "乡村振兴", "防汛抗旱", "森林防火", "民生实事", "粮食生产",
          "生态环境保护", "招商引资", "城市更新", "就业创业", "文明创建", "数字政府建设", "政务公开",
          "医疗保障", "义务教育", "养老服务", "消防安全", "交通安全", "耕地保护", "河长制", "科技创新",
          "文旅融合", "信访", "食品安全", "疫病防控", "基层治理", "社会救助", "住房保障", "人才引进")

NEWS_TEMPLATES = ("{place}召开{topic}工作推进会", "{place}部署{topic}重点工作", "{place}开展{topic}专项检查",
                  "{place}{topic}工作取得阶段性成效", "{place}举行{topic}专题培训", "{place}调研督导{topic}工作",
                  "{place}召开常务会议研究{topic}等工作", "{place}全力推进{topic}")
NOTICE_TEMPLATES = ("关于开展{topic}工作的通知", "关于做好{year}年{topic}工作的通知",
                    "关于{topic}有关事项的公告", "关于征求《{place}{topic}实施办法（征求意见稿）》意见的公告",
                    "关于{topic}工作检查情况的通报")
POLICY_TEMPLATES = ("{org}关于印发《{place}{topic}实施方案》的通知", "{org}关于进一步加强{topic}工作的意见",
                    "{org}关于印发《{place}{topic}管理办法》的通知", "{org}关于支持{topic}若干措施的通知")
PERSONNEL_TEMPLATES = ("{org}关于{person}等同志任职前公示", "{place}{year}年公开招聘事业单位工作人员公告",
                       "{org}关于{person}同志任免职的通知", "{place}{year}年公开遴选公务员拟遴选人员名单公示")
PLANNING_TEMPLATES = ("{place}{year}年国民经济和社会发展计划", "{place}“十五五”{topic}专项规划",
                      "{place}{year}年{topic}工作计划", "{place}{topic}三年行动计划（{year}—{year2}年）")
CONSULTATION_TEMPLATES = ("关于{topic}的咨询", "咨询{topic}相关政策", "{topic}问题反映", "请问{topic}办理流程")

SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玲辉鹏晨宇浩然欣怡子轩雨桐"

BODY_PARAGRAPHS = (
    "会议强调，要坚持以人民为中心的发展思想，把各项工作抓细抓实，确保取得实效。",
    "各地各部门要切实提高政治站位，压实工作责任，加强统筹协调，形成工作合力。",
    "要坚持问题导向，聚焦群众急难愁盼，完善工作机制，推动政策措施落地见效。",
    "要加强督促检查，对工作推进不力的及时通报，确保各项任务按时保质完成。",
)
REPLY_TEXTS = (
    "您好！您反映的问题已收悉。经核实，相关事项正在按程序办理，请关注后续通知。感谢您的关心和支持！",
    "您好！根据相关规定，您可携带身份证件到政务服务中心窗口办理，咨询电话可在本网站查询。",
    "您好！您的建议已转交相关职能部门研究，我们将认真吸纳合理意见，进一步改进工作。",
)

LABEL = {
    "home": "首页",
    "position": "当前位置：",
    "more": "更多",
    "organizer": "主办单位：",
    "site_code": "政府网站标识码：",
    "no_entries": "暂无信息",
    "prev": "上一页",
    "next": "下一页",
    "page_of": "第{page}页 / 共{pages}页",
    "publish_date": "发布日期：",
    "source": "信息来源：",
    "attachments": "附件：",
    "related": "相关链接",
    "links": "友情链接",
    "topics": "专题专栏",
    "asker": "留言人：",
    "asked_at": "留言时间：",
    "reply_unit": "答复单位：",
    "replied_at": "答复时间：",
    "question": "留言内容：",
    "reply": "答复内容：",
    "replied": "已答复",
    "not_found": "您访问的页面不存在",
    "server_error": "服务暂时不可用，请稍后再试",
    "contact": "联系我们",
    "sitemap": "网站地图",
    "unanswered": "未答复",
    "reply_state": "办理状态：",
    "icp_label": "备案号：",
    "related_policy": "相关文件：",
    "related_interpretation": "相关解读：",
}

# --- inspection faults ------------------------------------------------------------------------
# Default wrong texts of the content_error fault: error kind -> (wrong text, correct text). The
# inspection dictionary (data/inspection/dictionary.toml) must hold the first three; the misspelt_* ones
# are one-character slips of lexicon terms (data/inspection/lexicon/) that no dictionary lists: only
# near-miss detection finds them. None of them occurs anywhere on a clean demo page (tests/demo check that).
CONTENT_ERRORS = {
    "wrong_name": ("国务院总里", "国务院总理"),
    "wrong_formulation": ("一路一带", "一带一路"),
    "banned_word": ("六合彩", ""),
    "misspelt_name": ("国务院办公听", "国务院办公厅"),  # 听/厅: same pinyin (ting)
    "misspelt_place": ("湘谭市", "湘潭市"),  # 谭/潭: same pinyin (tan), look-alike
    "misspelt_formulation": ("中国特色社会主意", "中国特色社会主义"),  # 意/义: same pinyin (yi)
}
# The sentence a wrong text is planted in, per error kind ({text} is the wrong text).
CONTENT_ERROR_SENTENCES = {
    "wrong_name": "据新华社报道，{text}日前主持召开会议，研究部署下一阶段重点工作。",
    "wrong_formulation": "会议要求，各级各部门要坚定不移推进{text}建设，确保各项部署落地见效。",
    "banned_word": "最新{text}开奖结果已经公布，点击查看详情。",
    "misspelt_name": "{text}近日印发通知，对做好政务公开工作作出部署。",
    "misspelt_place": "近日，{text}召开全市安全生产工作会议，部署下一阶段重点工作。",
    "misspelt_formulation": "会议强调，要坚持和发展{text}，奋力谱写中国式现代化新篇章。",
}
# Channels (二级页面) of a navigation-only homepage: (slug, name, column kinds they gather).
CHANNELS = (("xwzx", "新闻中心", ("news",)), ("zwgk", "政务公开", ("notice", "policy", "personnel", "planning")),
            ("hdjl", "互动交流", ("consultation",)))
DEFACEMENT_BANNER = "本网站已被接管　Hacked by 0x5f"
HIDDEN_LINK_TEXTS = ("皇冠娱乐城", "真人百家乐", "娱乐城注册送彩金")
# Inner special-topic pages of the robustness faults: kind -> (path, link label).
SPECIAL_PAGES = {"huge_page": ("/zt/zlhb/index.html", "专题：政务公开资料汇编"),
                 "redirect_loop": ("/zt/xhtz/index.html", "专题：乡村振兴专题报道")}


# --- services and site functions (demo/guides.py) ----------------------------------------------
SERVICE_COLUMN = "办事指南"
# Matters a government site's service guides cover; a site shows demo.guides.GUIDES_PER_SITE of them.
SERVICE_MATTERS = ("居民身份证申领", "户口迁移登记", "婚姻登记（内地居民）", "城乡居民基本养老保险参保登记",
                   "医疗保险关系转移接续", "个体工商户设立登记", "建设工程规划许可证核发", "道路运输经营许可",
                   "食品经营许可", "最低生活保障金给付", "残疾人证办理", "不动产登记资料查询")
# The ten key elements of a guide (the labels the national rule names) and a value for each.
GUIDE_ELEMENTS = (("事项名称", "{matter}"), ("设定依据", "《{place}政务服务事项管理办法》第十二条"),
                  ("申请条件", "符合法定条件的申请人"), ("办理材料", "1. 申请表；2. 有效身份证件；3. 相关证明材料"),
                  ("办理地点", "{place}政务服务中心一楼综合窗口"), ("办理机构", "{org}"),
                  ("收费标准", "不收费"), ("办理时间", "工作日上午9:00-12:00，下午13:30-17:30"),
                  ("联系电话", "0731-8888{n:04d}"), ("办理流程", "申请、受理、审查、决定、送达"))
FUNCTION_LABEL = {
    "services": "办事服务",
    "search": "站内搜索",
    "search_button": "搜索",
    "search_placeholder": "请输入关键字",
    "search_results": "搜索结果",
    "search_count": "共找到 {n} 条结果",
    "search_none": "没有找到相关结果",
    "correction": "我要纠错",
    "correction_intro": "如发现本网站存在错别字、链接不可用、信息不准确等问题，请填写以下信息。",
    "online_apply": "在线办理",
    "online_system": "{matter}在线申报系统",
    "online_ready": "请登录后填写申报信息。",
}
SEARCH_MAX = 20  # results a demo search page lists
